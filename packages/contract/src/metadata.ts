/**
 * The metadata the api and the operator read off each other's objects: label keys,
 * annotation keys, the finalizer, and the labels that mark what Fjord made. Neither side
 * spells these strings itself; each entry says who writes it and who reads it.
 */

export const labels = {
  /**
   * The api sets it to `managedBy` on everything it makes. Its ownership checks read it, and
   * so does the chart's admission policy on the namespaces the api may update or delete.
   */
  managedBy: 'app.kubernetes.io/managed-by',
  /**
   * The api: the org an object was made for. Its ownership checks read it, the operator's
   * metering sends it with each sample, and people find an org's objects by it.
   */
  orgId: 'fjord.dev/org-id',
  /** The api: the org's name, on its namespace, for people (the namespace is named from the id). */
  org: 'fjord.dev/org',
  /**
   * The api: the row a custom resource was made from. The api's status watcher finds the row
   * by it; the operator's metering sends the cluster and topic ids with each sample.
   */
  clusterId: 'fjord.dev/cluster-id',
  topicId: 'fjord.dev/topic-id',
  serviceAccountId: 'fjord.dev/service-account-id',
  /** The api: the pool a pool's admin Secret belongs to. */
  pool: 'fjord.dev/pool',
  /**
   * The api: on a password Secret, the name of its KafkaUser. The operator watches the Secrets
   * that carry it and sets the login again when one changes.
   */
  kafkaUser: 'fjord.dev/kafka-user',
} as const

/** The value of `labels.managedBy` on what the api makes. */
export const managedBy = 'fjord-api'

export const annotations = {
  /**
   * The api: the generation of the row an object was written from. The api never writes an
   * older generation over a newer one, and its status watcher writes a status to that row's
   * generation only.
   */
  generation: 'fjord.dev/generation',
  /** The api: the org's display name, on its namespace, for people. */
  orgDisplayName: 'fjord.dev/org-display-name',
  /**
   * The api: the credential whose password a Secret holds. The api deletes the Secret of a
   * withdrawn credential only while it holds that one, not a newer one.
   */
  credentialId: 'fjord.dev/credential-id',
  /**
   * The operator: the id Kafka gave the topic Fjord created, its proof of ownership. In an
   * annotation, not the status, because a status applied from a stale cached copy would drop
   * it. The api keeps it when it replaces a KafkaTopic.
   */
  kafkaTopicId: 'fjord.dev/kafka-topic-id',
  /** The operator: the name of that topic, written with its id; on its own it proves nothing. */
  kafkaName: 'fjord.dev/kafka-name',
} as const

/**
 * The operator puts it on every resource before it makes anything in Kafka and removes it
 * once that is cleaned up, so deleting a resource waits for Kafka. The api keeps it when it
 * replaces an object.
 */
export const finalizer = 'fjord.dev/cleanup'

/** The labels that mark an object as made by Fjord for the org `orgId`. */
export function createdByFjord(orgId: string): Record<string, string> {
  return { [labels.managedBy]: managedBy, [labels.orgId]: orgId }
}

/** Fjord made this object for this org: only then may it change or delete it. */
export function isCreatedByFjord(
  object: { metadata: { labels?: Record<string, string> } },
  orgId: string,
): boolean {
  const found = object.metadata.labels ?? {}
  return Object.entries(createdByFjord(orgId)).every(([key, value]) => found[key] === value)
}

import { createHash } from 'node:crypto'

/**
 * The names one side computes and the other relies on: namespaces, custom resources and
 * Secrets the api makes, and the names in Kafka the operator makes under a cluster's prefix.
 */

/**
 * The namespace of an org. A name a user picks (`monitoring`, `cert-manager`) may be a
 * namespace of the platform's, so the name comes from the org's id; the org row keeps it.
 */
export function orgNamespaceName(orgId: string): string {
  return `fjord-org-${orgId}`
}

/**
 * The prefix of every Kafka name a shared cluster owns. The api sets `spec.kafkaPrefix` from
 * the org's and the cluster's names; the operator falls back to the namespace and the name
 * for a cluster made by hand. Owner a-b's cluster c and owner a's cluster b-c come to the
 * same prefix: the api refuses the second, and so does the operator on one pool.
 */
export function sharedKafkaPrefix(owner: string, cluster: string): string {
  return `${owner}-${cluster}.`
}

/** A topic's or a SCRAM user's name in Kafka: the cluster's prefix, then its own name. */
export function kafkaName(prefix: string, name: string): string {
  return `${prefix}${name}`
}

/** The principal Kafka's ACLs name a SCRAM user by. */
export function kafkaPrincipal(username: string): string {
  return `User:${username}`
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/**
 * A Kubernetes name for parts that may not make one (a Kafka topic may hold capitals, '_',
 * and start with '-' or '.'): the parts joined by '.' when that is a valid name of at most
 * `max` characters, else a lowercased form whose every '.'-separated part starts and ends
 * with a letter or digit, with a hash of the original so that distinct parts stay distinct.
 */
export function kubeName(parts: string[], max: number): string {
  const joined = parts.join('.')
  if (joined.length <= max && dnsSubdomain.test(joined)) return joined
  const hash = createHash('sha256').update(joined).digest('hex').slice(0, 10)
  const cleaned = joined
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .split('.')
    .map((part) => part.replace(/^-+|-+$/g, ''))
    .filter((part) => part !== '')
    .join('.')
    .slice(0, max - hash.length - 1)
    .replace(/[^a-z0-9]+$/, '')
  return cleaned === '' ? hash : `${cleaned}-${hash}`
}

/** The KafkaTopic the api makes for a topic of a cluster. */
export function topicResourceName(cluster: { name: string }, topic: { name: string }): string {
  return kubeName([cluster.name, topic.name], 253)
}

/**
 * The KafkaUser the api makes for a service account on a cluster. At most 63 characters: the
 * password Secret's `kafka-user` label names it, and label values hold no more.
 */
export function userResourceName(cluster: { name: string }, account: { name: string }): string {
  return kubeName([cluster.name, account.name], 63)
}

/** The Secret holding a KafkaUser's password, which the api writes and the operator reads. */
export function passwordSecretName(cluster: { name: string }, account: { name: string }): string {
  return `${userResourceName(cluster, account)}.password`
}

/** The key of the password in that Secret: the CRD's default of `passwordSecretRef.key`. */
export const passwordSecretKey = 'password'

/** The Secret holding a pool's admin login, in the platform's namespace beside the pool. */
export function poolAdminSecretName(pool: string): string {
  return `${pool}-kafka-admin`
}

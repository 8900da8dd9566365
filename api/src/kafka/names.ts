import { sharedKafkaPrefix } from '@fjord/contract/naming'
import { z } from '@hono/zod-openapi'

// Org, cluster and service account names end up in Kubernetes names and Kafka prefixes.
export const ResourceNameSchema = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z][a-z0-9-]*[a-z0-9]$/, 'must be lowercase letters, digits and hyphens')

// Names of Kubernetes' and Fjord's own namespaces. An org's namespace is made from its id, but
// its name labels it (fjord.dev/org), where one of these would read as the platform's own.
const reservedNamespaces = /^(default|kube-.*|fjord-.*)$/

export const OrgNameSchema = ResourceNameSchema.refine(
  (name) => !reservedNamespaces.test(name),
  'is reserved (default, kube-* and fjord-* name namespaces of Kubernetes and Fjord)',
)

export const maxKafkaNameLength = 249
const legalTopicCharacters = /^[a-zA-Z0-9._-]+$/

export const TopicNameSchema = z
  .string()
  .min(1)
  .max(maxKafkaNameLength)
  .regex(legalTopicCharacters, 'may contain only letters, digits, ".", "_" and "-"')
  .refine((name) => name !== '.' && name !== '..', 'cannot be "." or ".."')
  .refine((name) => !name.startsWith('__'), 'names starting with "__" are reserved for Kafka')

/**
 * The prefix every Kafka name of a shared cluster carries (`<org>-<cluster>.`), which the
 * KafkaCluster's spec hands to the operator. Org a-b's cluster c and org a's cluster b-c
 * would share one, so prefixes are unique across all orgs.
 */
export function kafkaPrefixFor(type: 'shared' | 'dedicated', org: string, cluster: string): string {
  return type === 'shared' ? sharedKafkaPrefix(org, cluster) : ''
}

/** Kafka metric names turn '.' into '_', so two names equal after that would collide. */
export function collisionKeyOf(topicName: string): string {
  return topicName.replaceAll('.', '_')
}

export function kafkaNameLengthError(prefix: string, name: string): string | null {
  const length = prefix.length + name.length
  return length > maxKafkaNameLength
    ? `with the cluster prefix "${prefix}" the Kafka name would be ${length} characters; the limit is ${maxKafkaNameLength}`
    : null
}

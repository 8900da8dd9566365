import { kafkaName, kafkaPrincipal } from '@fjord/contract/naming'
import { reasons } from '@fjord/contract/reasons'
import type { AclOperation, AclResourceType, AclRule, KafkaUserSpec } from '@fjord/contract/types'

/** One ACL as Kafka stores it, in the CRD's words. */
export interface AclBinding {
  resourceType: AclResourceType
  resourceName: string
  patternType: 'literal' | 'prefixed'
  principal: string
  host: string
  operation: AclOperation
  permission: 'allow' | 'deny'
}

export type QuotaKey = 'producer_byte_rate' | 'consumer_byte_rate' | 'request_percentage'
export type Quotas = Partial<Record<QuotaKey, number>>

export type AclRefusal = { reason: typeof reasons.ClusterAclRefused; message: string }

/**
 * The ACLs a KafkaUser asks for. On a shared cluster every name is put under the cluster's
 * prefix, `*` means every name under it, and cluster-wide rights are refused: a principal of a
 * shared cluster only ever reaches its own prefix.
 */
export function desiredAcls(
  username: string,
  rules: AclRule[],
  prefix: string | undefined,
): { bindings: AclBinding[] } | { refusal: AclRefusal } {
  const bindings: AclBinding[] = []
  for (const rule of rules) {
    if (prefix !== undefined && rule.resource.type === 'cluster') {
      return {
        refusal: {
          reason: reasons.ClusterAclRefused,
          message:
            'a user of a shared cluster cannot have cluster-wide ACLs; grant rights on topics, groups or transactional ids',
        },
      }
    }
    const wildcard = rule.resource.name === '*'
    const resourceName =
      prefix === undefined || rule.resource.type === 'cluster'
        ? rule.resource.name
        : wildcard
          ? prefix
          : kafkaName(prefix, rule.resource.name)
    const patternType =
      prefix !== undefined && wildcard ? 'prefixed' : (rule.resource.patternType ?? 'literal')
    for (const operation of rule.operations) {
      bindings.push({
        resourceType: rule.resource.type,
        resourceName,
        patternType,
        principal: kafkaPrincipal(username),
        host: rule.host ?? '*',
        operation,
        permission: rule.permission ?? 'allow',
      })
    }
  }
  return { bindings: dedupe(bindings) }
}

const key = (b: AclBinding) =>
  [
    b.resourceType,
    b.resourceName,
    b.patternType,
    b.principal,
    b.host,
    b.operation,
    b.permission,
  ].join('\u0000')

function dedupe(bindings: AclBinding[]): AclBinding[] {
  return [...new Map(bindings.map((b) => [key(b), b])).values()]
}

/** The ACLs to create and to delete so that Kafka holds exactly `desired` for the principal. */
export function planAcls(
  desired: AclBinding[],
  actual: AclBinding[],
): { create: AclBinding[]; delete: AclBinding[] } {
  const have = new Set(actual.map(key))
  const want = new Set(desired.map(key))
  return {
    create: desired.filter((b) => !have.has(key(b))),
    delete: actual.filter((b) => !want.has(key(b))),
  }
}

export function desiredQuotas(quotas: KafkaUserSpec['quotas']): Quotas {
  const result: Quotas = {}
  if (quotas?.producerByteRate !== undefined) result.producer_byte_rate = quotas.producerByteRate
  if (quotas?.consumerByteRate !== undefined) result.consumer_byte_rate = quotas.consumerByteRate
  if (quotas?.requestPercentage !== undefined) result.request_percentage = quotas.requestPercentage
  return result
}

/** Quota values to set and keys to remove; none of either when Kafka already matches. */
export function planQuotas(desired: Quotas, actual: Quotas): { set: Quotas; remove: QuotaKey[] } {
  const set: Quotas = {}
  for (const [k, v] of Object.entries(desired) as [QuotaKey, number][])
    if (actual[k] !== v) set[k] = v
  const remove = (Object.keys(actual) as QuotaKey[]).filter((k) => desired[k] === undefined)
  return { set, remove }
}

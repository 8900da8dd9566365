import type { FieldError } from '../errors.ts'

type Rule =
  | { type: 'long'; min: number; max?: number }
  | { type: 'double'; min: number; max: number }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list'; values: readonly string[] }

const long = (min: number, max?: number): Rule =>
  max === undefined ? { type: 'long', min } : { type: 'long', min, max }
const int32Max = 2_147_483_647

// Kafka 4 topic configs a tenant may set, with the broker's own validators; anything else
// (replication throttles, remote storage, …) belongs to the platform.
export const topicConfigRules: Record<string, Rule> = {
  'cleanup.policy': { type: 'list', values: ['delete', 'compact'] },
  'compression.type': {
    type: 'enum',
    values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
  },
  'delete.retention.ms': long(0),
  'file.delete.delay.ms': long(0),
  'flush.messages': long(1),
  'flush.ms': long(0),
  'index.interval.bytes': long(0, int32Max),
  'max.compaction.lag.ms': long(1),
  'max.message.bytes': long(0, int32Max),
  'message.timestamp.after.max.ms': long(0),
  'message.timestamp.before.max.ms': long(0),
  'message.timestamp.type': { type: 'enum', values: ['CreateTime', 'LogAppendTime'] },
  'min.cleanable.dirty.ratio': { type: 'double', min: 0, max: 1 },
  'min.compaction.lag.ms': long(0),
  'min.insync.replicas': long(1, int32Max),
  preallocate: { type: 'boolean' },
  'retention.bytes': long(-1),
  'retention.ms': long(-1),
  'segment.bytes': long(1_048_576, int32Max),
  'segment.index.bytes': long(4, int32Max),
  'segment.jitter.ms': long(0),
  'segment.ms': long(1),
  'unclean.leader.election.enable': { type: 'boolean' },
}

export const allowedTopicConfigKeys = Object.keys(topicConfigRules).sort()

export type TopicConfigInput = Record<string, string | number | boolean>

function checkValue(rule: Rule, value: string): string | null {
  switch (rule.type) {
    case 'long': {
      if (!/^-?\d+$/.test(value)) return 'must be a whole number'
      const number = Number(value)
      if (number < rule.min) return `must be at least ${rule.min}`
      if (rule.max !== undefined && number > rule.max) return `must be at most ${rule.max}`
      return null
    }
    case 'double': {
      const number = Number(value)
      if (value.trim() === '' || Number.isNaN(number)) return 'must be a number'
      return number < rule.min || number > rule.max
        ? `must be between ${rule.min} and ${rule.max}`
        : null
    }
    case 'boolean':
      return value === 'true' || value === 'false' ? null : 'must be true or false'
    case 'enum':
      return rule.values.includes(value) ? null : `must be one of ${rule.values.join(', ')}`
    case 'list': {
      const items = value.split(',').map((item) => item.trim())
      return items.length > 0 && items.every((item) => rule.values.includes(item))
        ? null
        : `must be a comma-separated list of ${rule.values.join(', ')}`
    }
  }
}

/**
 * Checks every key and value the way the broker would and returns the config as Kafka's
 * strings, or the per-key errors (an unknown key's error lists the allowed keys).
 */
export function normalizeTopicConfig(
  config: TopicConfigInput,
  replicationFactor: number,
): { config: Record<string, string>; errors: FieldError[] } {
  const normalized: Record<string, string> = {}
  const errors: FieldError[] = []
  for (const [key, raw] of Object.entries(config)) {
    const path = `config.${key}`
    const rule = topicConfigRules[key]
    if (!rule) {
      errors.push({
        path,
        message: `unknown topic config; allowed keys: ${allowedTopicConfigKeys.join(', ')}`,
      })
      continue
    }
    const value = String(raw)
    const problem = checkValue(rule, value)
    if (problem) errors.push({ path, message: problem })
    else normalized[key] = value
  }
  const minInsync = normalized['min.insync.replicas']
  if (minInsync !== undefined && Number(minInsync) > replicationFactor) {
    errors.push({
      path: 'config.min.insync.replicas',
      message: `must not exceed the replication factor (${replicationFactor})`,
    })
  }
  return { config: normalized, errors }
}

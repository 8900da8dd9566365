// The API's rules for a topic, mirrored so the forms say what is wrong before a request does
// (api/src/kafka/names.ts, api/src/kafka/topic-config.ts, api/src/resources/topics.ts). The
// API stays the judge: its problems show beside the same fields. A test holds the config keys
// to the ones the API allows.

export const maxKafkaNameLength = 249
export const partitionsRange = { min: 1, max: 10_000 } as const
export const replicationRange = { min: 1, max: 7 } as const

type Rule =
  | { type: 'long'; min: number; max?: number }
  | { type: 'double'; min: number; max: number }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list'; values: readonly string[] }

const long = (min: number, max?: number): Rule =>
  max === undefined ? { type: 'long', min } : { type: 'long', min, max }
const int32Max = 2_147_483_647
const longMax = '9223372036854775807'

export interface ConfigKey {
  rule: Rule
  /** Kafka 4's default for a topic that does not set it (a broker may be set otherwise). */
  kafkaDefault: string
  /** What it does, in a few words. */
  about: string
  unit?: 'ms' | 'bytes'
}

export const topicConfigKeys: Record<string, ConfigKey> = {
  'cleanup.policy': {
    rule: { type: 'list', values: ['delete', 'compact'] },
    kafkaDefault: 'delete',
    about: 'Delete old segments, compact to the latest value per key, or both',
  },
  'compression.type': {
    rule: { type: 'enum', values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
    kafkaDefault: 'producer',
    about: "Compression of stored batches; producer keeps the producer's",
  },
  'delete.retention.ms': {
    rule: long(0),
    kafkaDefault: '86400000',
    about: 'How long tombstones stay on a compacted topic',
    unit: 'ms',
  },
  'file.delete.delay.ms': {
    rule: long(0),
    kafkaDefault: '60000',
    about: 'Wait before a deleted segment leaves the disk',
    unit: 'ms',
  },
  'flush.messages': {
    rule: long(1),
    kafkaDefault: longMax,
    about: 'Force an fsync every N messages',
  },
  'flush.ms': {
    rule: long(0),
    kafkaDefault: longMax,
    about: 'Force an fsync this often',
    unit: 'ms',
  },
  'index.interval.bytes': {
    rule: long(0, int32Max),
    kafkaDefault: '4096',
    about: 'Bytes between offset index entries',
    unit: 'bytes',
  },
  'max.compaction.lag.ms': {
    rule: long(1),
    kafkaDefault: longMax,
    about: 'Longest a message stays uncompacted',
    unit: 'ms',
  },
  'max.message.bytes': {
    rule: long(0, int32Max),
    kafkaDefault: '1048588',
    about: 'Largest record batch the topic takes',
    unit: 'bytes',
  },
  'message.timestamp.after.max.ms': {
    rule: long(0),
    kafkaDefault: '3600000',
    about: 'How far in the future a timestamp may be',
    unit: 'ms',
  },
  'message.timestamp.before.max.ms': {
    rule: long(0),
    kafkaDefault: longMax,
    about: 'How far in the past a timestamp may be',
    unit: 'ms',
  },
  'message.timestamp.type': {
    rule: { type: 'enum', values: ['CreateTime', 'LogAppendTime'] },
    kafkaDefault: 'CreateTime',
    about: "The producer's time, or the broker's at append",
  },
  'min.cleanable.dirty.ratio': {
    rule: { type: 'double', min: 0, max: 1 },
    kafkaDefault: '0.5',
    about: 'Share of uncompacted log that triggers compaction',
  },
  'min.compaction.lag.ms': {
    rule: long(0),
    kafkaDefault: '0',
    about: 'Shortest a message stays uncompacted',
    unit: 'ms',
  },
  'min.insync.replicas': {
    rule: long(1, int32Max),
    kafkaDefault: '1',
    about: 'Replicas that must have a write for acks=all',
  },
  preallocate: {
    rule: { type: 'boolean' },
    kafkaDefault: 'false',
    about: 'Preallocate segment files on disk',
  },
  'retention.bytes': {
    rule: long(-1),
    kafkaDefault: '-1',
    about: 'Largest size of a partition before old segments go (-1: no limit)',
    unit: 'bytes',
  },
  'retention.ms': {
    rule: long(-1),
    kafkaDefault: '604800000',
    about: 'How long messages are kept (-1: forever)',
    unit: 'ms',
  },
  'segment.bytes': {
    rule: long(1_048_576, int32Max),
    kafkaDefault: '1073741824',
    about: 'Size of a log segment file',
    unit: 'bytes',
  },
  'segment.index.bytes': {
    rule: long(4, int32Max),
    kafkaDefault: '10485760',
    about: 'Size of the offset index of a segment',
    unit: 'bytes',
  },
  'segment.jitter.ms': {
    rule: long(0),
    kafkaDefault: '0',
    about: 'Random jitter on segment rolling',
    unit: 'ms',
  },
  'segment.ms': {
    rule: long(1),
    kafkaDefault: '604800000',
    about: 'Roll a new segment at least this often',
    unit: 'ms',
  },
  'unclean.leader.election.enable': {
    rule: { type: 'boolean' },
    kafkaDefault: 'false',
    about: 'Let an out-of-sync replica lead (may lose data)',
  },
}

export const allowedConfigKeys = Object.keys(topicConfigKeys).sort()

/** What is wrong with a topic name, as the API would say it; undefined when nothing is. */
export function topicNameProblem(name: string, kafkaPrefix: string): string | undefined {
  if (name.length === 0) return 'A topic needs a name'
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return 'May contain only letters, digits, ".", "_" and "-"'
  if (name === '.' || name === '..') return 'Cannot be "." or ".."'
  if (name.startsWith('__')) return 'Names starting with "__" are reserved for Kafka'
  const length = kafkaPrefix.length + name.length
  if (length > maxKafkaNameLength) {
    return `With the cluster prefix "${kafkaPrefix}" the Kafka name would be ${length} characters; the limit is ${maxKafkaNameLength}`
  }
  return undefined
}

export function wholeNumberProblem(
  text: string,
  range: { min: number; max: number },
): string | undefined {
  if (!/^\d+$/.test(text.trim())) return 'Must be a whole number'
  const value = Number(text)
  if (value < range.min || value > range.max) {
    return `Must be between ${range.min} and ${range.max}`
  }
  return undefined
}

/** What is wrong with one config value, as the broker would say it. */
export function configValueProblem(key: string, value: string): string | undefined {
  const known = topicConfigKeys[key]
  if (!known) return `Unknown topic config; allowed keys: ${allowedConfigKeys.join(', ')}`
  const { rule } = known
  switch (rule.type) {
    case 'long': {
      if (!/^-?\d+$/.test(value)) return 'Must be a whole number'
      const number = Number(value)
      if (number < rule.min) return `Must be at least ${rule.min}`
      if (rule.max !== undefined && number > rule.max) return `Must be at most ${rule.max}`
      return undefined
    }
    case 'double': {
      const number = Number(value)
      if (value.trim() === '' || Number.isNaN(number)) return 'Must be a number'
      return number < rule.min || number > rule.max
        ? `Must be between ${rule.min} and ${rule.max}`
        : undefined
    }
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : 'Must be true or false'
    case 'enum':
      return rule.values.includes(value) ? undefined : `Must be one of ${rule.values.join(', ')}`
    case 'list': {
      const items = value.split(',').map((item) => item.trim())
      return items.every((item) => rule.values.includes(item))
        ? undefined
        : `Must be a comma-separated list of ${rule.values.join(', ')}`
    }
  }
}

/** The choices a select offers for a key, when it has a fixed set. */
export function configChoices(key: string): readonly string[] | undefined {
  const rule = topicConfigKeys[key]?.rule
  if (!rule) return undefined
  if (rule.type === 'boolean') return ['true', 'false']
  if (rule.type === 'enum') return rule.values
  if (rule.type === 'list') return [...rule.values, rule.values.join(',')]
  return undefined
}

/** Problems of a whole config, by key; min.insync.replicas may not exceed the replication. */
export function configProblems(
  config: Record<string, string>,
  replicationFactor: number | undefined,
): Record<string, string> {
  const problems: Record<string, string> = {}
  for (const [key, value] of Object.entries(config)) {
    const problem = configValueProblem(key, value)
    if (problem) problems[key] = problem
  }
  const minInsync = config['min.insync.replicas']
  if (
    !problems['min.insync.replicas'] &&
    minInsync !== undefined &&
    replicationFactor !== undefined &&
    Number(minInsync) > replicationFactor
  ) {
    problems['min.insync.replicas'] =
      `Must not exceed the replication factor (${replicationFactor})`
  }
  return problems
}

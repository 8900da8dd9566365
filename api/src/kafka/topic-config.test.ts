import { describe, expect, it } from 'vitest'
import { allowedTopicConfigKeys, normalizeTopicConfig } from './topic-config.ts'

describe('normalizeTopicConfig', () => {
  it('turns numbers and booleans into the strings Kafka stores', () => {
    const result = normalizeTopicConfig({ 'retention.ms': 86_400_000, preallocate: true }, 3)
    expect(result).toEqual({
      config: { 'retention.ms': '86400000', preallocate: 'true' },
      errors: [],
    })
  })

  it('refuses an unknown key and lists the allowed keys', () => {
    const { errors } = normalizeTopicConfig({ 'retention.msec': 1 }, 3)
    expect(errors).toHaveLength(1)
    expect(errors[0]?.path).toBe('config.retention.msec')
    for (const key of allowedTopicConfigKeys) expect(errors[0]?.message).toContain(key)
  })

  it.each([
    ['retention.ms', -2, 'at least -1'],
    ['retention.ms', '1.5', 'whole number'],
    ['segment.bytes', 1_048_575, 'at least 1048576'],
    ['cleanup.policy', 'delete,archive', 'comma-separated list'],
    ['compression.type', 'brotli', 'one of'],
    ['min.cleanable.dirty.ratio', 1.5, 'between 0 and 1'],
    ['unclean.leader.election.enable', 'yes', 'true or false'],
  ])('refuses %s = %s', (key, value, message) => {
    const { errors } = normalizeTopicConfig({ [key]: value }, 3)
    expect(errors).toEqual([{ path: `config.${key}`, message: expect.stringContaining(message) }])
  })

  it('accepts the compact,delete policy and the boundaries of each range', () => {
    const result = normalizeTopicConfig(
      {
        'cleanup.policy': 'compact,delete',
        'retention.ms': -1,
        'segment.bytes': 1_048_576,
        'min.cleanable.dirty.ratio': 0,
      },
      1,
    )
    expect(result.errors).toEqual([])
  })

  it('refuses min.insync.replicas above the replication factor', () => {
    const { errors } = normalizeTopicConfig({ 'min.insync.replicas': 3 }, 2)
    expect(errors[0]?.message).toContain('replication factor (2)')
  })
})

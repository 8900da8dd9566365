import { describe, expect, it } from 'vitest'
import { formatDuration, readableConfig, retentionOf } from './format.ts'
import { topicPatch } from './patch.ts'
import {
  configProblems,
  configValueProblem,
  topicNameProblem,
  wholeNumberProblem,
} from './rules.ts'
import { filterRows, sortRows, type TopicRow } from './table.ts'

describe('the topic rules the forms check before the API does', () => {
  it('takes names Kafka takes and refuses the others, with the cluster prefix counted', () => {
    expect(topicNameProblem('orders.v1_eu-west', 'acme-shop.')).toBeUndefined()
    expect(topicNameProblem('', '')).toBe('A topic needs a name')
    expect(topicNameProblem('orders v1', '')).toMatch(/only letters, digits/)
    expect(topicNameProblem('..', '')).toMatch(/Cannot be/)
    expect(topicNameProblem('__consumer_offsets', '')).toMatch(/reserved for Kafka/)
    expect(topicNameProblem('a'.repeat(240), 'acme-shop.')).toMatch(/would be 250 characters/)
    expect(topicNameProblem('a'.repeat(239), 'acme-shop.')).toBeUndefined()
  })

  it('keeps partitions within 1 to 10,000, whole', () => {
    const range = { min: 1, max: 10_000 }
    expect(wholeNumberProblem('6', range)).toBeUndefined()
    expect(wholeNumberProblem('0', range)).toMatch(/between 1 and 10000/)
    expect(wholeNumberProblem('1.5', range)).toBe('Must be a whole number')
    expect(wholeNumberProblem('', range)).toBe('Must be a whole number')
  })

  it('checks config values as the broker does, and refuses keys the platform keeps', () => {
    expect(configValueProblem('retention.ms', '-1')).toBeUndefined()
    expect(configValueProblem('retention.ms', '-2')).toBe('Must be at least -1')
    expect(configValueProblem('cleanup.policy', 'compact, delete')).toBeUndefined()
    expect(configValueProblem('cleanup.policy', 'forever')).toMatch(/comma-separated list/)
    expect(configValueProblem('compression.type', 'brotli')).toMatch(/one of/)
    expect(configValueProblem('min.cleanable.dirty.ratio', '1.5')).toMatch(/between 0 and 1/)
    expect(configValueProblem('preallocate', 'yes')).toBe('Must be true or false')
    expect(configValueProblem('follower.replication.throttled.replicas', '*')).toMatch(
      /Unknown topic config; allowed keys: cleanup.policy/,
    )
    expect(configProblems({ 'min.insync.replicas': '3' }, 2)).toEqual({
      'min.insync.replicas': 'Must not exceed the replication factor (2)',
    })
    expect(configProblems({ 'min.insync.replicas': '3' }, undefined)).toEqual({})
  })
})

describe('what the topic pages show', () => {
  it('says durations and sizes in words', () => {
    expect(formatDuration(604_800_000)).toBe('7 d')
    expect(formatDuration('5400000')).toBe('90 min')
    expect(formatDuration('-1')).toBe('forever')
    expect(formatDuration('1500')).toBe('1500 ms')
    expect(readableConfig('max.message.bytes', '65536')).toBe('64 KiB')
    expect(readableConfig('cleanup.policy', 'delete')).toBeUndefined()
    expect(retentionOf({})).toEqual({ text: '7 d (default)', ms: 604_800_000 })
    expect(retentionOf({ 'retention.ms': '-1' }).ms).toBe(Number.POSITIVE_INFINITY)
  })

  it('searches names by every word, any case, and sorts by a column with the name second', () => {
    const row = (name: string, partitions: number): TopicRow => ({
      name,
      key: name.toLowerCase(),
      partitions,
      replicationFactor: 1,
      retention: '7 d',
      retentionMs: 1,
      phase: 'Ready',
    })
    const rows = [row('payments', 3), row('Orders.EU', 6), row('orders.us', 3)]
    expect(filterRows(rows, 'ORDERS eu').map((r) => r.name)).toEqual(['Orders.EU'])
    expect(filterRows(rows, '  ')).toBe(rows)
    expect(sortRows(rows, 'name', false).map((r) => r.name)).toEqual([
      'Orders.EU',
      'orders.us',
      'payments',
    ])
    expect(sortRows(rows, 'partitions', true).map((r) => r.name)).toEqual([
      'Orders.EU',
      'orders.us',
      'payments',
    ])
    expect(sortRows(rows, 'name', true).map((r) => r.name)).toEqual([
      'payments',
      'orders.us',
      'Orders.EU',
    ])
  })

  it('patches only what the edit changed, and removes a config with null', () => {
    const from = {
      partitions: 3,
      config: { 'retention.ms': '86400000', 'cleanup.policy': 'delete' },
    }
    expect(topicPatch(from, 3, { ...from.config })).toEqual({})
    expect(topicPatch(from, 6, { 'retention.ms': '3600000', 'compression.type': 'lz4' })).toEqual({
      partitions: 6,
      config: { 'retention.ms': '3600000', 'compression.type': 'lz4', 'cleanup.policy': null },
    })
  })
})

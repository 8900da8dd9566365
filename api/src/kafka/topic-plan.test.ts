import { describe, expect, it } from 'vitest'
import { type ExistingTopic, planTopics, type TopicSpec } from './topic-plan.ts'

const aSpec = (overrides: Partial<TopicSpec> = {}): TopicSpec => ({
  partitions: 3,
  replicationFactor: 3,
  config: {},
  ...overrides,
})

const anExistingTopic = (name: string, overrides: Partial<ExistingTopic> = {}): ExistingTopic => ({
  name,
  deleting: false,
  ...aSpec(),
  ...overrides,
})

const desiredOf = (entries: Record<string, TopicSpec>) => new Map(Object.entries(entries))

describe('planTopics', () => {
  it('creates what is desired and missing, with every field as a change', () => {
    const plan = planTopics(
      desiredOf({ orders: aSpec({ config: { 'retention.ms': '1000' } }) }),
      [],
      false,
    )
    expect(plan.errors).toEqual([])
    expect(plan.entries).toEqual([
      {
        name: 'orders',
        action: 'create',
        changes: [
          { field: 'partitions', from: 0, to: 3 },
          { field: 'replicationFactor', from: 0, to: 3 },
          { field: 'config.retention.ms', from: null, to: '1000' },
        ],
      },
    ])
  })

  it('leaves an identical topic unchanged', () => {
    const plan = planTopics(desiredOf({ orders: aSpec() }), [anExistingTopic('orders')], true)
    expect(plan.entries).toEqual([{ name: 'orders', action: 'unchanged', changes: [] }])
  })

  it('updates partitions upward and config keys, listing each change', () => {
    const plan = planTopics(
      desiredOf({ orders: aSpec({ partitions: 6, config: { 'cleanup.policy': 'compact' } }) }),
      [anExistingTopic('orders', { config: { 'retention.ms': '5' } })],
      false,
    )
    expect(plan.entries[0]).toEqual({
      name: 'orders',
      action: 'update',
      changes: [
        { field: 'partitions', from: 3, to: 6 },
        { field: 'config.cleanup.policy', from: null, to: 'compact' },
        { field: 'config.retention.ms', from: '5', to: null },
      ],
    })
  })

  it('deletes topics missing from the list only when pruning', () => {
    const actual = [anExistingTopic('orders'), anExistingTopic('legacy')]
    const desired = desiredOf({ orders: aSpec() })
    expect(planTopics(desired, actual, false).entries.map((entry) => entry.action)).toEqual([
      'unchanged',
    ])
    expect(planTopics(desired, actual, true).entries).toEqual([
      { name: 'legacy', action: 'delete', changes: [] },
      { name: 'orders', action: 'unchanged', changes: [] },
    ])
  })

  it('does not delete again a topic already being deleted', () => {
    const plan = planTopics(desiredOf({}), [anExistingTopic('old', { deleting: true })], true)
    expect(plan.entries).toEqual([])
  })

  it('refuses a partition decrease and a replication factor change', () => {
    const plan = planTopics(
      desiredOf({ orders: aSpec({ partitions: 1, replicationFactor: 1 }) }),
      [anExistingTopic('orders')],
      false,
    )
    expect(plan.errors.map((error) => error.path)).toEqual([
      'topics.orders.partitions',
      'topics.orders.replicationFactor',
    ])
  })

  it('refuses to recreate a topic that is being deleted', () => {
    const plan = planTopics(
      desiredOf({ old: aSpec() }),
      [anExistingTopic('old', { deleting: true })],
      false,
    )
    expect(plan.errors).toEqual([
      { path: 'topics.old', message: expect.stringContaining('being deleted') },
    ])
  })

  it('sorts the plan by topic name', () => {
    const plan = planTopics(desiredOf({ b: aSpec(), a: aSpec(), c: aSpec() }), [], false)
    expect(plan.entries.map((entry) => entry.name)).toEqual(['a', 'b', 'c'])
  })
})

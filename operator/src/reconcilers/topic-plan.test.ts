import { describe, expect, test } from 'vitest'
import { type ActualConfig, type ActualTopic, type DesiredTopic, planTopic } from './topic-plan.ts'

const desired = (over: Partial<DesiredTopic> = {}): DesiredTopic => ({
  name: 'acme-prod.orders',
  partitions: 3,
  replicationFactor: 1,
  config: {},
  ...over,
})
const defaults: ActualConfig[] = [
  { name: 'retention.ms', value: '604800000', dynamic: false },
  { name: 'cleanup.policy', value: 'delete', dynamic: false },
]
const actual = (over: Partial<ActualTopic> = {}): ActualTopic => ({
  name: 'acme-prod.orders',
  partitions: 3,
  replicationFactor: 1,
  config: defaults,
  ...over,
})

describe('planTopic', () => {
  test('creates a topic Kafka does not have', () => {
    expect(planTopic(desired({ config: { 'retention.ms': '1000' } }), undefined)).toEqual({
      kind: 'create',
      topic: desired({ config: { 'retention.ms': '1000' } }),
    })
  })

  test('does nothing when the topic matches, broker defaults included', () => {
    expect(planTopic(desired(), actual())).toEqual({ kind: 'none' })
    expect(planTopic(desired({ config: { 'retention.ms': '604800000' } }), actual())).toEqual({
      kind: 'none',
    })
  })

  test('sets changed configs and resets only those set on the topic', () => {
    const current = actual({
      config: [
        { name: 'retention.ms', value: '1000', dynamic: true },
        { name: 'segment.bytes', value: '1048576', dynamic: true },
        { name: 'cleanup.policy', value: 'delete', dynamic: false },
      ],
    })
    expect(
      planTopic(
        desired({ config: { 'retention.ms': '2000', 'cleanup.policy': 'compact' } }),
        current,
      ),
    ).toEqual({
      kind: 'update',
      set: { 'retention.ms': '2000', 'cleanup.policy': 'compact' },
      reset: ['segment.bytes'],
    })
  })

  test('grows partitions', () => {
    expect(planTopic(desired({ partitions: 6 }), actual())).toEqual({
      kind: 'update',
      partitions: 6,
      set: {},
      reset: [],
    })
  })

  test('refuses a partition decrease', () => {
    expect(planTopic(desired({ partitions: 2 }), actual())).toMatchObject({
      kind: 'refuse',
      refusals: [
        {
          reason: 'PartitionDecreaseRefused',
          message: expect.stringContaining('has 3 partitions'),
        },
      ],
    })
  })

  test('refuses a replication factor change, up or down', () => {
    for (const replicationFactor of [2, 3]) {
      expect(planTopic(desired({ replicationFactor }), actual())).toMatchObject({
        kind: 'refuse',
        refusals: [{ reason: 'ReplicationFactorChangeRefused' }],
      })
    }
  })

  test('refuses a rename, whether or not the new name exists', () => {
    const renamed = desired({ name: 'acme-prod.invoices' })
    expect(planTopic(renamed, undefined, 'acme-prod.orders')).toMatchObject({
      kind: 'refuse',
      refusals: [
        { reason: 'TopicRenameRefused', message: expect.stringContaining('acme-prod.orders') },
      ],
    })
    expect(
      planTopic(renamed, actual({ name: 'acme-prod.invoices' }), 'acme-prod.orders'),
    ).toMatchObject({
      kind: 'refuse',
    })
  })

  test('names every refusal at once', () => {
    const plan = planTopic(desired({ partitions: 1, replicationFactor: 3 }), actual())
    expect(plan.kind === 'refuse' && plan.refusals.map((r) => r.reason)).toEqual([
      'PartitionDecreaseRefused',
      'ReplicationFactorChangeRefused',
    ])
  })
})

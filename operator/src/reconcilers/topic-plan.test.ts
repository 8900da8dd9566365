import { annotations } from '@fjord/contract/metadata'
import { reasons } from '@fjord/contract/reasons'
import { describe, expect, test } from 'vitest'
import {
  type ActualConfig,
  type ActualTopic,
  canonicalTopicId,
  type DesiredTopic,
  planTopic,
  recordOf,
  type TopicRecord,
} from './topic-plan.ts'

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
// One topic id in the protocol's UUID form and in the base64 form Kafka's tools print.
const fjordsId = '3b9a0c6e-2f41-4d8a-9c1e-5a7b8c9d0e1f'
const fjordsIdAsKafkaPrints = 'O5oMbi9BTYqcHlp7jJ0OHw'
const actual = (over: Partial<ActualTopic> = {}): ActualTopic => ({
  name: 'acme-prod.orders',
  topicId: fjordsId,
  partitions: 3,
  replicationFactor: 1,
  config: defaults,
  ...over,
})

/** What Fjord recorded after its own create of acme-prod.orders. */
const made = (over: Partial<TopicRecord> = {}): TopicRecord => ({
  topicId: fjordsId,
  name: 'acme-prod.orders',
  ...over,
})

describe('planTopic', () => {
  test('creates a topic Kafka does not have', () => {
    expect(planTopic(desired({ config: { 'retention.ms': '1000' } }), undefined)).toEqual({
      kind: 'create',
      topic: desired({ config: { 'retention.ms': '1000' } }),
    })
  })

  test('creates again a topic Fjord made that is gone from Kafka', () => {
    expect(planTopic(desired(), undefined, made())).toMatchObject({ kind: 'create' })
  })

  test('calls a topic foreign when nothing records that Fjord created it', () => {
    expect(planTopic(desired(), actual())).toEqual({
      kind: 'foreign',
      message: expect.stringContaining('acme-prod.orders that Fjord did not create'),
    })
  })

  test('calls a namesake foreign when its id is not the one Fjord recorded', () => {
    const namesake = actual({ topicId: '0f0e0d0c-0b0a-4908-8706-050403020100' })
    expect(planTopic(desired(), namesake, made())).toEqual({
      kind: 'foreign',
      message: expect.stringContaining(`not ${fjordsId}`),
    })
    expect(planTopic(desired({ partitions: 6 }), namesake, made()).kind).toBe('foreign')
  })

  test('owns a topic whose id is the recorded one, whichever form the record has', () => {
    expect(planTopic(desired(), actual(), made())).toEqual({ kind: 'none' })
    expect(
      planTopic(desired(), actual(), made({ topicId: fjordsId.toUpperCase(), name: undefined })),
    ).toEqual({ kind: 'none' })
    expect(canonicalTopicId(fjordsIdAsKafkaPrints)).toBe(fjordsId)
  })

  test('does nothing when the topic matches, broker defaults included', () => {
    expect(planTopic(desired(), actual(), made())).toEqual({ kind: 'none' })
    expect(
      planTopic(desired({ config: { 'retention.ms': '604800000' } }), actual(), made()),
    ).toEqual({
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
        made(),
      ),
    ).toEqual({
      kind: 'update',
      set: { 'retention.ms': '2000', 'cleanup.policy': 'compact' },
      reset: ['segment.bytes'],
    })
  })

  test('grows partitions', () => {
    expect(planTopic(desired({ partitions: 6 }), actual(), made())).toEqual({
      kind: 'update',
      partitions: 6,
      set: {},
      reset: [],
    })
  })

  test('refuses a partition decrease', () => {
    expect(planTopic(desired({ partitions: 2 }), actual(), made())).toMatchObject({
      kind: 'refuse',
      refusals: [
        {
          reason: reasons.PartitionDecreaseRefused,
          message: expect.stringContaining('has 3 partitions'),
        },
      ],
    })
  })

  test('refuses a replication factor change, up or down', () => {
    for (const replicationFactor of [2, 3]) {
      expect(planTopic(desired({ replicationFactor }), actual(), made())).toMatchObject({
        kind: 'refuse',
        refusals: [{ reason: reasons.ReplicationFactorChangeRefused }],
      })
    }
  })

  test('refuses a rename, whether or not the new name exists', () => {
    const renamed = desired({ name: 'acme-prod.invoices' })
    expect(planTopic(renamed, undefined, made())).toEqual({
      kind: 'refuse',
      refusals: [
        {
          reason: reasons.TopicRenameRefused,
          message: expect.stringContaining('acme-prod.orders'),
        },
      ],
    })
    const theirs = actual({ name: 'acme-prod.invoices', topicId: canonicalTopicId('A'.repeat(22)) })
    expect(planTopic(renamed, theirs, made())).toMatchObject({
      kind: 'refuse',
      refusals: [{ reason: reasons.TopicRenameRefused }],
    })
  })

  test('names every refusal at once', () => {
    const plan = planTopic(desired({ partitions: 1, replicationFactor: 3 }), actual(), made())
    expect(plan.kind === 'refuse' && plan.refusals.map((r) => r.reason)).toEqual([
      reasons.PartitionDecreaseRefused,
      reasons.ReplicationFactorChangeRefused,
    ])
  })
})

describe('recordOf', () => {
  const topic = (annotations: Record<string, string>, status = {}) => ({
    metadata: { annotations },
    status,
  })

  test('reads the id and name recorded after the create', () => {
    expect(
      recordOf(
        topic(
          { [annotations.kafkaTopicId]: fjordsId, [annotations.kafkaName]: 'acme-prod.orders' },
          { topicId: '0f0e0d0c-0b0a-4908-8706-050403020100' },
        ),
      ),
    ).toEqual(made())
  })

  test('takes the id an admin pasted from kafka-topics --describe', () => {
    expect(recordOf(topic({ [annotations.kafkaTopicId]: fjordsIdAsKafkaPrints }))).toEqual({
      topicId: fjordsId,
    })
  })

  test("falls back to an earlier operator's status.topicId and status.topicName", () => {
    expect(recordOf(topic({}, { topicId: fjordsId, topicName: 'acme-prod.orders' }))).toEqual(
      made(),
    )
  })

  test('finds no record in a name annotation alone, which an earlier operator wrote before creating', () => {
    expect(recordOf(topic({ [annotations.kafkaName]: 'acme-prod.orders' }))).toBeUndefined()
  })

  test('finds no record in something that is not a topic id', () => {
    expect(recordOf(topic({ [annotations.kafkaTopicId]: 'mine' }))).toBeUndefined()
    expect(canonicalTopicId('not-a-uuid-at-all-at-all')).toBeUndefined()
  })
})

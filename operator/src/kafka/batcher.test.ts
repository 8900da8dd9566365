import { describe, expect, test } from 'vitest'
import type { ActualTopic, DesiredTopic } from '../reconcilers/topic-plan.ts'
import type { CreateResult, DeleteResult, DescribeResult, KafkaAdmin } from './admin.ts'
import { TopicCreateBatcher, TopicDeleteBatcher, TopicDescribeBatcher } from './batcher.ts'

const anActualTopic = (name: string): ActualTopic => ({
  name,
  topicId: `id-of-${name}`,
  partitions: 1,
  replicationFactor: 1,
  config: [],
})

/** A broker that has the topics `existing` and keeps every request it was sent. */
function aBroker(existing: string[]) {
  const describes: string[][] = []
  const creates: string[][] = []
  const deletes: string[][] = []
  const admin = {
    describeTopics: async (names: string[]) => {
      describes.push(names)
      return new Map<string, DescribeResult>(
        names
          .filter((name) => name !== 'left-out')
          .map((name) => [
            name,
            { ok: true, topic: existing.includes(name) ? anActualTopic(name) : undefined },
          ]),
      )
    },
    createTopics: async (topics: DesiredTopic[]) => {
      creates.push(topics.map((t) => t.name))
      return new Map<string, CreateResult>(
        topics.map((t) => [t.name, { ok: true, topicId: `id-of-${t.name}` }]),
      )
    },
    deleteTopicsById: async (topicIds: string[]) => {
      deletes.push(topicIds)
      return new Map<string, DeleteResult>(
        topicIds.filter((id) => id !== 'left-out').map((id) => [id, { ok: true }]),
      )
    },
  } as unknown as KafkaAdmin
  return { admin, describes, creates, deletes }
}

const aDesiredTopic = (name: string): DesiredTopic => ({
  name,
  partitions: 1,
  replicationFactor: 1,
  config: {},
})

describe('TopicDescribeBatcher', () => {
  test('describes the topics asked for at about the same time in one request, and answers each', async () => {
    const { admin, describes } = aBroker(['a', 'b'])
    const batcher = new TopicDescribeBatcher({ lingerMs: 0 })
    const answers = await Promise.all(
      ['a', 'b', 'new', 'a'].map((name) => batcher.describe(admin, name)),
    )
    expect(describes).toEqual([['a', 'b', 'new']])
    expect(answers).toEqual([
      { ok: true, topic: anActualTopic('a') },
      { ok: true, topic: anActualTopic('b') },
      { ok: true, topic: undefined },
      { ok: true, topic: anActualTopic('a') },
    ])
  })

  test('keeps the asks of each Kafka cluster apart', async () => {
    const first = aBroker(['a'])
    const second = aBroker([])
    const batcher = new TopicDescribeBatcher({ lingerMs: 0 })
    const answers = await Promise.all([
      batcher.describe(first.admin, 'a'),
      batcher.describe(second.admin, 'a'),
    ])
    expect([first.describes, second.describes]).toEqual([[['a']], [['a']]])
    expect(answers.map((a) => a.ok && a.topic?.name)).toEqual(['a', undefined])
  })

  test('sends a full batch without waiting for the linger', async () => {
    const { admin, describes } = aBroker([])
    const batcher = new TopicDescribeBatcher({ lingerMs: 3_600_000, maxBatch: 2 })
    await Promise.all([batcher.describe(admin, 'a'), batcher.describe(admin, 'b')])
    expect(describes).toEqual([['a', 'b']])
  })

  test('answers a topic the broker left out of its answer with an error', async () => {
    const { admin } = aBroker([])
    const answer = await new TopicDescribeBatcher({ lingerMs: 0 }).describe(admin, 'left-out')
    expect(answer).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('the broker did not answer for it') },
    })
  })
})

describe('TopicCreateBatcher', () => {
  test('creates the topics asked for at about the same time in one request, a name asked twice in the next', async () => {
    const { admin, creates } = aBroker([])
    const batcher = new TopicCreateBatcher({ lingerMs: 0 })
    const answers = await Promise.all(
      ['a', 'b', 'a'].map((name) => batcher.create(admin, aDesiredTopic(name))),
    )
    expect(creates).toEqual([['a', 'b'], ['a']])
    expect(answers).toEqual([
      { ok: true, topicId: 'id-of-a' },
      { ok: true, topicId: 'id-of-b' },
      { ok: true, topicId: 'id-of-a' },
    ])
  })
})

describe('TopicDeleteBatcher', () => {
  test('deletes the topic ids asked for at about the same time in one request, an id asked twice once', async () => {
    const { admin, deletes } = aBroker([])
    const batcher = new TopicDeleteBatcher({ lingerMs: 0 })
    const answers = await Promise.all(
      ['id-a', 'id-b', 'id-a'].map((id) => batcher.delete(admin, id)),
    )
    expect(deletes).toEqual([['id-a', 'id-b']])
    expect(answers).toEqual([{ ok: true }, { ok: true }, { ok: true }])
  })

  test('answers every ask of a request that threw with its error', async () => {
    const admin = {
      deleteTopicsById: async () => {
        throw new Error('the connection broke')
      },
    } as unknown as KafkaAdmin
    const batcher = new TopicDeleteBatcher({ lingerMs: 0 })
    const answers = await Promise.all(['id-a', 'id-b'].map((id) => batcher.delete(admin, id)))
    expect(answers.map((a) => !a.ok && a.error.message)).toEqual([
      'delete topic with id id-a: the connection broke',
      'delete topic with id id-b: the connection broke',
    ])
  })

  test('answers an id the broker left out of its answer with an error', async () => {
    const { admin } = aBroker([])
    const answer = await new TopicDeleteBatcher({ lingerMs: 0 }).delete(admin, 'left-out')
    expect(answer).toMatchObject({
      ok: false,
      error: { message: 'delete topic with id left-out: the broker did not answer for it' },
    })
  })
})

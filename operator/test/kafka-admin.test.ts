import { type AddressInfo, createServer, type Socket } from 'node:net'
import { readStackEnv } from '@fjord/stack/env'
import { uniqueName } from '@fjord/testing/names'
import { afterAll, describe, expect, test } from 'vitest'
import { type CreateResult, KafkaAdmin } from '../src/kafka/admin.ts'
import type { AclBinding } from '../src/reconcilers/user-plan.ts'

const env = readStackEnv()
const admin = new KafkaAdmin({
  bootstrapServers: [env.kafka.bootstrapServers],
  mechanism: env.kafka.saslMechanism,
  username: env.kafka.admin.username,
  password: env.kafka.admin.password,
})
afterAll(() => admin.close())

const aTopic = (name: string) => ({ name, partitions: 1, replicationFactor: 1, config: {} })

function idOf(created: Map<string, CreateResult>, name: string): string {
  const result = created.get(name)
  if (!result?.ok) throw new Error(`${name} was not created: ${JSON.stringify(result)}`)
  return result.topicId
}

describe('the Kafka admin adapter against a broker that does not answer', () => {
  test('fails a request once the login timed out, and nothing is thrown out of the process after', async () => {
    // Takes connections and never answers: the login is still pending when connect() gives up.
    const sockets: Socket[] = []
    const server = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const silent = new KafkaAdmin({
      bootstrapServers: [`127.0.0.1:${port}`],
      mechanism: 'SCRAM-SHA-256',
      username: 'fjord-admin',
      password: 'secret',
    })
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.prependListener('uncaughtException', onUncaught)
    try {
      const answers = await silent.deleteTopicsById(['00000000-0000-0000-0000-000000000001'])
      expect([...answers.values()]).toMatchObject([{ ok: false }])
      // The connection's own error, if it is thrown, comes in the turns after connect() gave up.
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(uncaught).toEqual([])
    } finally {
      process.removeListener('uncaughtException', onUncaught)
      for (const socket of sockets) socket.destroy()
      server.close()
      await silent.close()
    }
  }, 15_000)
})

describe('the Kafka admin adapter against the stack broker', () => {
  test('creates several topics in one request, each with its own config, and reports each result', async () => {
    const [a, b] = [uniqueName('adapter'), uniqueName('adapter')]
    const results = await admin.createTopics([
      { name: a, partitions: 2, replicationFactor: 1, config: { 'retention.ms': '3600000' } },
      { name: b, partitions: 1, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } },
    ])
    expect(results.get(a)).toMatchObject({ ok: true })
    expect(results.get(b)).toMatchObject({ ok: true })

    const again = await admin.createTopics([
      { name: a, partitions: 2, replicationFactor: 1, config: {} },
    ])
    expect(again.get(a)).toMatchObject({ ok: false, error: { id: 'TOPIC_ALREADY_EXISTS' } })

    const described = await admin.describeTopic(a)
    expect(described).toMatchObject({ name: a, partitions: 2, replicationFactor: 1 })
    expect(described?.config).toContainEqual({
      name: 'retention.ms',
      value: '3600000',
      dynamic: true,
    })
    expect(described?.config).toContainEqual(
      expect.objectContaining({ name: 'segment.bytes', dynamic: false }),
    )
    expect((await admin.describeTopic(b))?.config).toContainEqual({
      name: 'cleanup.policy',
      value: 'compact',
      dynamic: true,
    })
  })

  test('alters configs, adds partitions and deletes a topic', async () => {
    const name = uniqueName('adapter')
    await admin.createTopics([
      { name, partitions: 1, replicationFactor: 1, config: { 'retention.ms': '1000' } },
    ])
    await admin.alterTopicConfig(name, { 'segment.ms': '600000' }, ['retention.ms'])
    await admin.createPartitions(name, 4)
    const described = await admin.describeTopic(name)
    expect(described?.partitions).toBe(4)
    expect(described?.config).toContainEqual({ name: 'segment.ms', value: '600000', dynamic: true })
    expect(described?.config.find((c) => c.name === 'retention.ms')?.dynamic).toBe(false)

    await admin.deleteTopic(name)
    await expect.poll(() => admin.describeTopic(name), { timeout: 10_000 }).toBeUndefined()
    await admin.deleteTopic(name)
  })

  test('describes several topics in one call, answering undefined for one that does not exist', async () => {
    const [a, b, missing] = [uniqueName('adapter'), uniqueName('adapter'), uniqueName('never-made')]
    const made = await admin.createTopics([
      { name: a, partitions: 3, replicationFactor: 1, config: { 'retention.ms': '3600000' } },
      { name: b, partitions: 1, replicationFactor: 1, config: {} },
    ])
    // The broker answers from its metadata, which follows the controller within moments.
    const described = async () => {
      const answers = [...(await admin.describeTopics([a, b, missing]))]
      return Object.fromEntries(
        answers.map(([name, answer]) => {
          if (!answer.ok) throw answer.error
          return [name, answer.topic]
        }),
      )
    }
    await expect.poll(async () => Object.values(await described()).filter(Boolean)).toHaveLength(2)
    const topics = await described()
    expect(topics[a]).toMatchObject({
      name: a,
      topicId: (made.get(a) as { topicId: string }).topicId,
      partitions: 3,
      replicationFactor: 1,
    })
    expect(topics[a]?.config).toContainEqual({
      name: 'retention.ms',
      value: '3600000',
      dynamic: true,
    })
    expect(topics[b]).toMatchObject({ name: b, partitions: 1 })
    expect(topics).toHaveProperty(missing, undefined)
  })

  test('deletes several topics by id in one request, an id already gone as deleted, never a namesake', async () => {
    const [a, b] = [uniqueName('adapter'), uniqueName('adapter')]
    const made = await admin.createTopics([a, b].map((name) => aTopic(name)))
    const [idA, idB] = [idOf(made, a), idOf(made, b)]
    // b is made again: the id the first b had is gone, and its namesake must survive.
    await admin.deleteTopic(b)
    await expect.poll(() => admin.describeTopic(b)).toBeUndefined()
    const again = await admin.createTopics([aTopic(b)])

    const results = await admin.deleteTopicsById([idA, idB])
    expect(results).toEqual(
      new Map([
        [idA, { ok: true }],
        [idB, { ok: true }],
      ]),
    )
    await expect.poll(() => admin.describeTopic(a)).toBeUndefined()
    expect((await admin.describeTopic(b))?.topicId).toBe(idOf(again, b))
    await admin.deleteTopic(b)
  })

  test('answers undefined for a topic that does not exist', async () => {
    expect(await admin.describeTopic(uniqueName('never-made'))).toBeUndefined()
  })

  test('lists, creates and deletes the ACLs of a principal', async () => {
    const principal = `User:${uniqueName('acl')}`
    const binding = (operation: AclBinding['operation']): AclBinding => ({
      resourceType: 'topic',
      resourceName: 'tenant.',
      patternType: 'prefixed',
      principal,
      host: '*',
      operation,
      permission: 'allow',
    })
    await admin.createAcls([binding('Read'), binding('Write')])
    await expect.poll(() => admin.aclsOf(principal), { timeout: 10_000 }).toHaveLength(2)
    expect(await admin.aclsOf(principal)).toEqual(
      expect.arrayContaining([binding('Read'), binding('Write')]),
    )
    await admin.deleteAcls([binding('Write')])
    await expect.poll(() => admin.aclsOf(principal), { timeout: 10_000 }).toEqual([binding('Read')])
  })

  test('sets, reads back and removes client quotas of a user', async () => {
    const user = uniqueName('quota')
    // The broker answers a describe from its copy of the metadata, which follows the
    // controller's within moments: reads after a write wait for it, as the ACL reads above do.
    await admin.alterQuotas(user, { producer_byte_rate: 1048576, consumer_byte_rate: 2097152 }, [])
    await expect
      .poll(() => admin.quotasOf(user), { timeout: 10_000 })
      .toEqual({
        producer_byte_rate: 1048576,
        consumer_byte_rate: 2097152,
      })
    await admin.alterQuotas(user, {}, ['consumer_byte_rate'])
    await expect
      .poll(() => admin.quotasOf(user), { timeout: 10_000 })
      .toEqual({ producer_byte_rate: 1048576 })
  })

  test('creates and deletes SCRAM credentials, deleting a missing one quietly', async () => {
    const user = uniqueName('scram')
    await admin.upsertScram(user, 'a-password')
    await admin.deleteScram(user)
    await admin.deleteScram(user)
  })
})

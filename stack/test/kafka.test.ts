import '@fjord/kafka/connection-errors'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { kafkaErrorIds } from '@fjord/kafka/errors'
import {
  describeScramUsers,
  tenantMechanism,
  upsertScramCredential,
} from '@fjord/operator/kafka/scram'
import { kcat, stackAdmin } from '@fjord/testing/kcat'
import {
  type Acl,
  AclOperations,
  type AclOperationValue,
  AclPermissionTypes,
  Admin,
  Connection,
  Consumer,
  MessagesStreamModes,
  Producer,
  ResourcePatternTypes,
  type ResourcePatternTypeValue,
  ResourceTypes,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { readStackEnv } from '../src/env.ts'

const env = readStackEnv()
const bootstrapBrokers = [env.kafka.bootstrapServers]
const admin = env.kafka.admin
const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`
/** A tenant's login; the admin logs in with the mechanism the stack says. */
const sasl = (username: string, password: string) => ({
  mechanism: username === admin.username ? env.kafka.saslMechanism : tenantMechanism,
  username,
  password,
})

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to be refused, but it succeeded')
}

function producerFor(username: string, password: string) {
  return new Producer({
    clientId: unique('probe'),
    bootstrapBrokers,
    sasl: sasl(username, password),
    serializers: stringSerializers,
    retries: 0,
  })
}

async function consumeOne(topic: string, username: string, password: string): Promise<string> {
  const consumer = new Consumer({
    clientId: unique('probe'),
    groupId: unique('probe'),
    bootstrapBrokers,
    sasl: sasl(username, password),
    deserializers: stringDeserializers,
  })
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST })
    for await (const message of stream) {
      await stream.close()
      return `${message.key}=${message.value}`
    }
    throw new Error('the stream ended without a message')
  } finally {
    await consumer.close(true)
  }
}

function topicAcl(
  principal: string,
  resourceName: string,
  operation: AclOperationValue,
  patternType: ResourcePatternTypeValue,
): Acl {
  return {
    resourceType: ResourceTypes.TOPIC,
    resourceName,
    resourcePatternType: patternType,
    principal: `User:${principal}`,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  }
}

describe('the stack Kafka (KRaft, SASL/SCRAM, StandardAuthorizer)', () => {
  const adminClient = new Admin({
    clientId: 'stack-test',
    bootstrapBrokers,
    sasl: sasl(admin.username, admin.password),
  })
  const adminConnection = new Connection('stack-test', {
    sasl: sasl(admin.username, admin.password),
  })

  beforeAll(async () => {
    const [host, port] = env.kafka.bootstrapServers.split(':')
    await adminConnection.connect(host ?? '127.0.0.1', Number(port))
  })
  afterAll(async () => {
    await adminClient.close()
    await adminConnection.close()
  })

  async function newUser(): Promise<{ username: string; password: string }> {
    const user = { username: unique('user'), password: randomBytes(12).toString('base64url') }
    await upsertScramCredential(adminConnection, tenantMechanism, user.username, user.password)
    // The credential reaches the broker through the metadata log: wait until it logs in.
    await vi.waitFor(
      async () => {
        const probe = new Admin({
          clientId: 'probe',
          bootstrapBrokers,
          sasl: sasl(user.username, user.password),
          retries: 0,
        })
        try {
          await probe.listTopics()
        } finally {
          await probe.close()
        }
      },
      { timeout: 10_000 },
    )
    return user
  }

  test("keeps the admin's login off the tenants' mechanism, with both enabled", async () => {
    expect(env.kafka.saslMechanism).toBe('SCRAM-SHA-256')
    expect(await describeScramUsers(adminConnection, 'SCRAM-SHA-256')).toContain(admin.username)
    expect(await describeScramUsers(adminConnection, tenantMechanism)).not.toContain(admin.username)
    // A tenant's SCRAM-SHA-512 login is taken beside it.
    const user = await newUser()
    expect(await describeScramUsers(adminConnection, tenantMechanism)).toContain(user.username)
  })

  test('lets the admin create a topic and produce and consume a record', async () => {
    const topic = unique('orders')
    await adminClient.createTopics({ topics: [topic], partitions: 1, replicas: 1 })
    const producer = producerFor(admin.username, admin.password)
    await producer.send({ messages: [{ topic, key: 'k1', value: 'first order' }] })
    await producer.close()

    expect(await consumeOne(topic, admin.username, admin.password)).toBe('k1=first order')
  })

  test('rejects a wrong password', async () => {
    const intruder = new Admin({
      clientId: 'intruder',
      bootstrapBrokers,
      sasl: sasl(admin.username, 'not-the-password'),
      retries: 0,
    })
    const error = await rejection(intruder.listTopics())
    await intruder.close()
    expect(String(error) + JSON.stringify(kafkaErrorIds(error))).toMatch(
      /SASL_AUTHENTICATION_FAILED|[Aa]uthentication/,
    )
  })

  test('denies a user with no ACL, then lets it write after a PREFIXED ACL is added', async () => {
    const prefix = `${unique('tenant')}.`
    const topic = `${prefix}events`
    await adminClient.createTopics({ topics: [topic], partitions: 1, replicas: 1 })
    const user = await newUser()

    const denied = producerFor(user.username, user.password)
    const error = await rejection(denied.send({ messages: [{ topic, value: 'nope' }] }))
    await denied.close()
    expect(kafkaErrorIds(error)).toContain('TOPIC_AUTHORIZATION_FAILED')

    await adminClient.createAcls({
      creations: [AclOperations.WRITE, AclOperations.DESCRIBE].map((op) =>
        topicAcl(user.username, prefix, op, ResourcePatternTypes.PREFIXED),
      ),
    })
    // ACLs reach the authorizer through the metadata log: allow a moment for it.
    const allowed = producerFor(user.username, user.password)
    await expect
      .poll(
        () =>
          allowed.send({ messages: [{ topic, value: 'yes' }] }).then(
            () => true,
            () => false,
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe(true)
    await allowed.close()
  })

  describe('through kcat, outside Node', () => {
    test('runs with a librdkafka that can log in to Kafka 4', async () => {
      const version = await promisify(execFile)(env.kcat.bin, ['-V'])
      const librdkafka = version.stdout.match(/librdkafka ([\d.]+)/)?.[1] ?? ''
      const [major = 0, minor = 0, patch = 0] = librdkafka.split('.').map(Number)
      expect(
        major * 10000 + minor * 100 + patch,
        `librdkafka ${librdkafka}`,
      ).toBeGreaterThanOrEqual(20601)
    })

    test('produces and consumes with SCRAM, is refused a wrong password and is denied without an ACL', async () => {
      const admins = stackAdmin()
      const topic = unique('kcat')
      await adminClient.createTopics({ topics: [topic], partitions: 1, replicas: 1 })

      const produced = await kcat(admins, ['-P', '-t', topic], 'hello from kcat\n')
      expect(produced.stderr).toBe('')
      expect(produced.code).toBe(0)
      const consumed = await kcat(admins, [
        '-C',
        '-t',
        topic,
        '-o',
        'beginning',
        '-e',
        '-c',
        '1',
        '-q',
      ])
      expect(consumed.stdout.trim()).toBe('hello from kcat')

      const wrong = await kcat({ ...admins, password: 'wrong' }, ['-L', '-m', '5'])
      expect(wrong.code).not.toBe(0)
      expect(wrong.stderr).toMatch(/[Aa]uthentication failed/)

      const user = await newUser()
      const denied = await kcat(user, [
        '-C',
        '-t',
        topic,
        '-o',
        'beginning',
        '-e',
        '-c',
        '1',
        '-q',
        '-m',
        '5',
      ])
      expect(denied.code).not.toBe(0)
      expect(denied.stderr).toMatch(/[Aa]uthoriz/)

      await adminClient.createAcls({
        creations: [AclOperations.READ, AclOperations.DESCRIBE].map((op) =>
          topicAcl(user.username, topic, op, ResourcePatternTypes.LITERAL),
        ),
      })
      await expect
        .poll(
          async () =>
            (
              await kcat(user, ['-C', '-t', topic, '-o', 'beginning', '-e', '-c', '1', '-q'])
            ).stdout.trim(),
          {
            timeout: 15_000,
          },
        )
        .toBe('hello from kcat')
    })
  })
})

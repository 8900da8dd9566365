import { afterAll, beforeAll, expect, test } from 'vitest'
import { KafkaAdmin } from '../../operator/src/kafka/admin.ts'
import { aPrivateKafka } from './support/private-kafka.ts'

let broker: Awaited<ReturnType<typeof aPrivateKafka>>

// A broker of its own: this test changes its admin and restarts it.
beforeAll(async () => {
  broker = await aPrivateKafka()
})
afterAll(async () => {
  await broker?.close()
})

const adminWith = (password: string) =>
  new KafkaAdmin({
    bootstrapServers: [broker.bootstrap],
    mechanism: 'SCRAM-SHA-512',
    username: broker.admin.username,
    password,
  })

test("a start gives Kafka's admin the stack's password back, whatever Kafka held", async () => {
  const admin = adminWith(broker.admin.password)
  try {
    await admin.upsertScram(broker.admin.username, 'not-the-stack-password')
  } finally {
    await admin.close()
  }
  await broker.down()
  // `up` fails unless the admin logs in with the stack's password and lists topics.
  await broker.up()
  const again = adminWith(broker.admin.password)
  try {
    expect(await again.listTopics()).toEqual([])
  } finally {
    await again.close()
  }
})

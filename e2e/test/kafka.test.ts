import type { Answer, Data } from '@fjord/client'
import { getObject } from '@fjord/kube/apply'
import { Secrets } from '@fjord/kube/resources'
import { KafkaAdmin } from '@fjord/operator/kafka/admin'
import { expectAnswer } from '@fjord/testing/answers'
import { kcatWithProperties } from '@fjord/testing/kcat'
import { env } from '@fjord/testing/operator'
import { aProduct } from '@fjord/testing/product'
import { aTenant } from '@fjord/testing/tenants'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

let product: Awaited<ReturnType<typeof aProduct>>
beforeAll(async () => {
  product = await aProduct()
})
afterAll(() => product.stop())

/** A PUT through the REST API with ?wait=true: fails the test unless the change is Ready. */
async function ready<A extends Answer>(put: Promise<A>): Promise<Data<A>> {
  const answer = await put
  const shown = await expectAnswer(answer, answer.response.status === 200 ? 200 : 201)
  expect(shown).toMatchObject({ status: { phase: 'Ready' } })
  return shown
}

const wait = { wait: 'true' } as const

/** A tenant with a Ready shared cluster, a Ready topic and a service account with credentials. */
async function aTenantWithATopic() {
  const tenant = await aTenant(product.api)
  const owner = product.as(tenant.owner)
  const main = { org: tenant.org, cluster: 'main' }
  const shop = { ...main, serviceAccount: 'shop' }
  const cluster = await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: main, query: wait },
      body: { type: 'shared' },
    }),
  )
  const topic = await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
      params: { path: { ...main, topic: 'orders' }, query: wait },
      body: { partitions: 3 },
    }),
  )
  await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
      params: { path: shop, query: wait },
      body: {
        acls: [
          { resourceType: 'topic', name: 'orders', operations: ['read', 'write', 'describe'] },
          { resourceType: 'group', patternType: 'prefixed', name: 'shop-', operations: ['read'] },
        ],
      },
    }),
  )
  const credential = await expectAnswer(
    owner.POST('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials', {
      params: { path: shop },
    }),
    201,
  )
  return { tenant, cluster, topic, credential }
}

describe('Fjord end to end, through the REST API only', () => {
  test('sign up, cluster, topic, service account, credentials, then produce and consume with kcat', async () => {
    const { tenant, cluster, topic, credential } = await aTenantWithATopic()
    const prefix = `${tenant.org}-main.`
    expect(cluster).toMatchObject({
      kafkaPrefix: prefix,
      bootstrapServers: env.kafka.bootstrapServers,
    })
    expect(topic.kafkaName).toBe(`${prefix}orders`)
    expect(credential.connection).toMatchObject({
      bootstrapServers: env.kafka.bootstrapServers,
      saslMechanism: 'SCRAM-SHA-512',
      username: `${prefix}shop`,
      topicPrefix: prefix,
    })

    // The password lives in the service account's Secret, and nowhere in Postgres.
    const secret = await getObject<{ data: Record<string, string> } & { metadata: never }>(
      product.kube,
      Secrets,
      'main.shop.password',
      tenant.namespace,
    )
    expect(Buffer.from(secret?.data.password ?? '', 'base64').toString()).toBe(credential.password)
    const dump = await product.api.database.db.execute(
      sql`select (select json_agg(o) from outbox o)::text as outbox, (select json_agg(a) from audit_events a)::text as audit`,
    )
    expect(JSON.stringify(dump)).not.toContain(String(credential.password))

    // Exactly the configuration the API returned, as a kcat properties file, and it works
    // at once: the answer came when Kafka had the password.
    expect(credential.loginReady).toBe(true)
    const config = credential.clientConfig.kcat
    const kafkaTopic = topic.kafkaName
    expect((await kcatWithProperties(config, ['-P', '-t', kafkaTopic], 'first\n')).stderr).toBe('')
    await kcatWithProperties(config, ['-P', '-t', kafkaTopic], 'second\n')
    const consumed = await kcatWithProperties(config, [
      '-C',
      '-t',
      kafkaTopic,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-X',
      `group.id=${prefix}shop-readers`,
    ])
    expect(consumed.stdout.trim().split('\n').sort()).toEqual(['first', 'second'])
  })

  test("keeps one org's credentials off another org's topics and groups, and inside its own prefix", async () => {
    const a = await aTenantWithATopic()
    const b = await aTenantWithATopic()
    const theirTopic = a.topic.kafkaName
    const bConfig = b.credential.clientConfig.kcat
    expect((await kcatWithProperties(bConfig, ['-L', '-m', '5'])).code).toBe(0)

    const produced = await kcatWithProperties(bConfig, ['-P', '-t', theirTopic], 'intrusion\n')
    expect(produced.stderr).toMatch(/TOPIC_AUTHORIZATION_FAILED|not authorized|Authorization/i)
    const consumed = await kcatWithProperties(bConfig, [
      '-C',
      '-t',
      theirTopic,
      '-o',
      'beginning',
      '-e',
      '-X',
      `group.id=${a.tenant.org}-main.shop-x`,
    ])
    expect(consumed.stderr).toMatch(/AUTHORIZATION_FAILED|not authorized|Authorization/i)

    // A's principal may not create a topic outside its prefix, only inside it.
    const asA = new KafkaAdmin({
      bootstrapServers: [env.kafka.bootstrapServers],
      mechanism: 'SCRAM-SHA-512',
      username: a.credential.connection.username,
      password: a.credential.password,
    })
    try {
      const outside = `elsewhere-${Date.now()}`
      const created = await asA.createTopics([
        { name: outside, partitions: 1, replicationFactor: 1, config: {} },
      ])
      const result = created.get(outside)
      expect(result?.ok).toBe(false)
      expect(result && !result.ok && result.error.id).toBe('TOPIC_AUTHORIZATION_FAILED')
    } finally {
      await asA.close()
    }
  })
})

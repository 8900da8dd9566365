import { expectStatus } from '@fjord/api/testing/api'
import { aTenant, type Tenant } from '@fjord/api/testing/builders'
import { getObject } from '@fjord/kube/apply'
import { Secrets } from '@fjord/kube/resources'
import { KafkaAdmin } from '@fjord/operator/kafka/admin'
import { env } from '@fjord/operator/testing/operator'
import { kcatWithProperties } from '@fjord/testing/kcat'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { aProduct } from './support/product.ts'

let product: Awaited<ReturnType<typeof aProduct>>
beforeAll(async () => {
  product = await aProduct()
})
afterAll(() => product.stop())

type Body = Record<string, unknown>
interface IssuedCredential {
  password: string
  loginReady: boolean
  connection: { username: string; bootstrapServers: string }
  clientConfig: { kcat: string; javaProperties: string }
}

/** A PUT through the REST API that waits until the change is Ready (or fails the test). */
async function putReady(tenant: Tenant, path: string, body: unknown): Promise<Body> {
  const response = await product.api.request('PUT', `/v1/orgs/${tenant.org}${path}?wait=true`, {
    as: tenant.owner,
    body,
  })
  const shown = await expectStatus(response, response.status === 200 ? 200 : 201)
  expect(shown.status).toMatchObject({ phase: 'Ready' })
  return shown
}

/** A tenant with a Ready shared cluster, a Ready topic and a service account with credentials. */
async function aTenantWithATopic() {
  const tenant = await aTenant(product.api)
  const cluster = await putReady(tenant, '/clusters/main', { type: 'shared' })
  const topic = await putReady(tenant, '/clusters/main/topics/orders', { partitions: 3 })
  await putReady(tenant, '/clusters/main/service-accounts/shop', {
    acls: [
      { resourceType: 'topic', name: 'orders', operations: ['read', 'write', 'describe'] },
      { resourceType: 'group', patternType: 'prefixed', name: 'shop-', operations: ['read'] },
    ],
  })
  const credential = (await expectStatus(
    await product.api.request(
      'POST',
      `/v1/orgs/${tenant.org}/clusters/main/service-accounts/shop/credentials`,
      { as: tenant.owner },
    ),
    201,
  )) as unknown as IssuedCredential
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
    const kafkaTopic = topic.kafkaName as string
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
    const theirTopic = a.topic.kafkaName as string
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

import { expectStatus, json, startTestApi, type TestApi } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import {
  aTenant,
  aTopic,
  recordedChanges,
  withCluster,
  withRoomyQuota,
  withTopic,
} from '@fjord/testing/tenants'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { topics as topicTable } from '../src/db/schema/index.ts'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

async function aClusterOfItsOwn() {
  const tenant = await aTenant(api)
  await withRoomyQuota(api, tenant)
  const cluster = await withCluster(api, tenant)
  return { tenant, cluster, topics: `/v1/orgs/${tenant.org}/clusters/${cluster}/topics` }
}

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, writing once', async () => {
    const { tenant, topics } = await aClusterOfItsOwn()
    const topic = aTopic()
    const send = (requestId: string) =>
      api.request('POST', topics, {
        as: tenant.owner,
        body: topic,
        headers: { 'idempotency-key': 'create-orders', 'x-request-id': requestId },
      })
    const first = await expectStatus(await send('first'), 201)
    const again = await send('again')
    expect(await expectStatus(again, 201)).toEqual(first)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.headers.get('x-request-id')).toBe('again')
    const { audit } = await recordedChanges(api, tenant)
    expect(audit.filter((event) => event.action === 'topic.create')).toHaveLength(1)
  })

  it('refuses the same key with another body', async () => {
    const { tenant, topics } = await aClusterOfItsOwn()
    const headers = { 'idempotency-key': 'k-1' }
    await expectStatus(
      await api.request('POST', topics, { as: tenant.owner, body: aTopic(), headers }),
      201,
    )
    const problem = await expectStatus(
      await api.request('POST', topics, { as: tenant.owner, body: aTopic(), headers }),
      422,
    )
    expect(problem.code).toBe('idempotency_key_reused')
  })
})

describe('ETag and If-Match', () => {
  it('answers a strong ETag that changes when the topic changes', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    const name = await withTopic(api, tenant, cluster)
    const before = (
      await api.request('GET', `${topics}/${name}`, { as: tenant.owner })
    ).headers.get('etag')
    expect(before).toMatch(/^"[\w-]+"$/)
    await expectStatus(
      await api.request('PATCH', `${topics}/${name}`, {
        as: tenant.owner,
        body: { partitions: 2 },
      }),
      200,
    )
    const after = (await api.request('GET', `${topics}/${name}`, { as: tenant.owner })).headers.get(
      'etag',
    )
    expect(after).not.toBe(before)
  })

  it('refuses a write whose If-Match is stale with 412, writing nothing', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    const name = await withTopic(api, tenant, cluster)
    const etag =
      (await api.request('GET', `${topics}/${name}`, { as: tenant.owner })).headers.get('etag') ??
      ''
    await expectStatus(
      await api.request('PATCH', `${topics}/${name}`, {
        as: tenant.owner,
        body: { partitions: 2 },
        headers: { 'if-match': etag },
      }),
      200,
    )
    const stale = await api.request('PATCH', `${topics}/${name}`, {
      as: tenant.owner,
      body: { partitions: 3 },
      headers: { 'if-match': etag },
    })
    expect((await expectStatus(stale, 412)).code).toBe('precondition_failed')
    const current = await expectStatus(
      await api.request('GET', `${topics}/${name}`, { as: tenant.owner }),
      200,
    )
    expect(current.partitions).toBe(2)
  })

  it('treats If-Match on a PUT of a missing resource as a failed precondition', async () => {
    const { tenant, topics } = await aClusterOfItsOwn()
    const response = await api.request('PUT', `${topics}/ghost`, {
      as: tenant.owner,
      body: { partitions: 1, replicationFactor: 1 },
      headers: { 'if-match': '"anything"' },
    })
    await expectStatus(response, 412)
  })
})

describe('Kafka prefixes', () => {
  it("refuses a cluster whose prefix another org's cluster already holds, writing nothing", async () => {
    // Org <base>-b with cluster cc and org <base> with cluster b-cc: both <base>-b-cc.
    const base = uniqueName('p')
    const first = await aTenant(api, { org: `${base}-b` })
    const held = await expectStatus(
      await api.request('PUT', `/v1/orgs/${first.org}/clusters/cc`, { as: first.owner, body: {} }),
      201,
    )
    const second = await aTenant(api, { org: base })
    const problem = await expectStatus(
      await api.request('PUT', `/v1/orgs/${second.org}/clusters/b-cc`, {
        as: second.owner,
        body: {},
      }),
      409,
    )
    expect(problem.detail).toContain(`${held.kafkaPrefix} is already taken`)
    await expectStatus(
      await api.request('GET', `/v1/orgs/${second.org}/clusters/b-cc`, { as: second.owner }),
      404,
    )
    expect((await recordedChanges(api, second)).outbox).toEqual([
      expect.objectContaining({ action: 'organization.create' }),
    ])
  })
})

describe('PUT, PATCH and DELETE of topics', () => {
  it('creates with PUT, then answers an identical PUT as unchanged without recording anything', async () => {
    const { tenant, topics } = await aClusterOfItsOwn()
    const spec = { partitions: 2, replicationFactor: 1, config: { 'retention.ms': 3_600_000 } }
    const created = await expectStatus(
      await api.request('PUT', `${topics}/orders`, { as: tenant.owner, body: spec }),
      201,
    )
    expect(created).toMatchObject({
      generation: 1,
      status: { phase: 'Pending', observedGeneration: 0 },
    })
    const again = await expectStatus(
      await api.request('PUT', `${topics}/orders`, { as: tenant.owner, body: spec }),
      200,
    )
    expect(again.generation).toBe(1)
    const { audit, outbox } = await recordedChanges(api, tenant)
    expect(audit.filter((event) => event.targetName === 'orders')).toHaveLength(1)
    expect(outbox.filter((row) => row.aggregateType === 'topic')).toHaveLength(1)
  })

  it('merges a PATCH into the config, a null removing a key, and bumps the generation', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    const name = await withTopic(api, tenant, cluster, {
      config: { 'retention.ms': 1000, 'cleanup.policy': 'delete' },
    })
    const patched = await expectStatus(
      await api.request('PATCH', `${topics}/${name}`, {
        as: tenant.owner,
        body: { config: { 'retention.ms': null, 'min.insync.replicas': 1 } },
      }),
      200,
    )
    expect(patched.config).toEqual({ 'cleanup.policy': 'delete', 'min.insync.replicas': '1' })
    expect(patched.generation).toBe(2)
  })

  it('refuses a partition decrease and a replication factor change', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    const name = await withTopic(api, tenant, cluster, { partitions: 3 })
    const problem = await expectStatus(
      await api.request('PUT', `${topics}/${name}`, {
        as: tenant.owner,
        body: { partitions: 2, replicationFactor: 3 },
      }),
      422,
    )
    expect(problem.errors).toEqual([
      { path: 'partitions', message: expect.stringContaining('cannot decrease') },
      { path: 'replicationFactor', message: expect.stringContaining('cannot change') },
    ])
  })

  it('refuses an unknown config key, listing the allowed ones', async () => {
    const { tenant, topics } = await aClusterOfItsOwn()
    const problem = await expectStatus(
      await api.request('POST', topics, {
        as: tenant.owner,
        body: aTopic({ config: { 'retention.hours': 1 } }),
      }),
      422,
    )
    expect(problem.errors).toEqual([
      { path: 'config.retention.hours', message: expect.stringContaining('retention.ms') },
    ])
  })

  it("refuses a name that collides with another once '.' and '_' are the same", async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    await withTopic(api, tenant, cluster, { name: 'orders.eu' })
    const problem = await expectStatus(
      await api.request('POST', topics, { as: tenant.owner, body: aTopic({ name: 'orders_eu' }) }),
      409,
    )
    expect(problem.detail).toContain('collide')
  })

  it('prefixes the Kafka name with org and cluster on a shared cluster', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    const name = await withTopic(api, tenant, cluster)
    const topic = await expectStatus(
      await api.request('GET', `${topics}/${name}`, { as: tenant.owner }),
      200,
    )
    expect(topic.kafkaName).toBe(`${tenant.org}-${cluster}.${name}`)
  })

  it("refuses a name that would pass Kafka's 249 characters with the cluster's prefix", async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    const room = 249 - `${tenant.org}-${cluster}.`.length
    const problem = await expectStatus(
      await api.request('POST', topics, {
        as: tenant.owner,
        body: aTopic({ name: 'x'.repeat(room + 1) }),
      }),
      422,
    )
    expect(problem.errors).toEqual([{ path: 'name', message: expect.stringContaining('249') }])
    const fits = await expectStatus(
      await api.request('POST', topics, {
        as: tenant.owner,
        body: aTopic({ name: 'x'.repeat(room) }),
      }),
      201,
    )
    expect(fits.kafkaName).toHaveLength(249)
  })

  it('refuses a new topic in a cluster being deleted, writing nothing', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    await expectStatus(
      await api.request('DELETE', `/v1/orgs/${tenant.org}/clusters/${cluster}`, {
        as: tenant.owner,
      }),
      202,
    )
    const before = await recordedChanges(api, tenant)
    const problem = await expectStatus(
      await api.request('POST', topics, { as: tenant.owner, body: aTopic() }),
      409,
    )
    expect(problem.detail).toContain('being deleted')
    const after = await recordedChanges(api, tenant)
    expect(after.audit).toHaveLength(before.audit.length)
    expect(after.outbox).toHaveLength(before.outbox.length)
  })

  it('creates that arrive together each get their own answer, audit event and request id', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    await withTopic(api, tenant, cluster, { name: 'taken' })
    const day = 24 * 60 * 60 * 1000
    type Request = [label: string, path: string, body: Record<string, unknown>, status: number]
    const requests: Request[] = [
      ...Array.from(
        { length: 12 },
        (_, i): Request => [`ok-${i}`, topics, aTopic({ name: `ok-${i}` }), 201],
      ),
      ['taken', topics, aTopic({ name: 'taken' }), 409],
      ['twice', topics, aTopic({ name: 'twice' }), 201],
      ['twice', topics, aTopic({ name: 'twice' }), 409],
      ['forever', topics, aTopic({ config: { 'retention.ms': -1 } }), 422],
      ['too-long', topics, aTopic({ config: { 'retention.ms': 400 * day } }), 422],
      ['nowhere', `/v1/orgs/${tenant.org}/clusters/nowhere/topics`, aTopic(), 404],
    ]
    const before = await recordedChanges(api, tenant)
    const answers = await Promise.all(
      requests.map(async ([label, path, body], i) => {
        const response = await api.request('POST', path, {
          as: tenant.owner,
          body,
          headers: { 'x-request-id': `together-${i}` },
        })
        return { label, status: response.status, body: await json(response) }
      }),
    )
    const statuses = answers.map((answer) => `${answer.label} ${answer.status}`)
    // Of the two 'twice', exactly one wins; every other answer is as if it had come alone.
    expect(statuses.filter((status) => status === 'twice 201')).toHaveLength(1)
    expect(statuses.filter((status) => status === 'twice 409')).toHaveLength(1)
    expect(statuses.filter((status) => !status.startsWith('twice'))).toEqual(
      requests
        .filter(([label]) => label !== 'twice')
        .map(([label, , , status]) => `${label} ${status}`),
    )
    const after = await recordedChanges(api, tenant)
    const created = after.audit.slice(before.audit.length)
    const createdIds = answers.filter((answer) => answer.status === 201).map((a) => a.body.id)
    expect(created).toHaveLength(createdIds.length)
    expect(after.outbox.length - before.outbox.length).toBe(createdIds.length)
    for (const [i, answer] of answers.entries()) {
      const event = created.find((e) => e.requestId === `together-${i}`)
      if (answer.status !== 201) expect(event).toBeUndefined()
      else expect(event).toMatchObject({ action: 'topic.create', targetName: answer.body.name })
    }
  })

  it('starts deletion with DELETE and then refuses updates while it runs', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    const name = await withTopic(api, tenant, cluster)
    const deleting = await expectStatus(
      await api.request('DELETE', `${topics}/${name}`, { as: tenant.owner }),
      202,
    )
    expect(deleting.status).toMatchObject({ phase: 'Deleting' })
    await expectStatus(
      await api.request('PATCH', `${topics}/${name}`, {
        as: tenant.owner,
        body: { partitions: 9 },
      }),
      409,
    )
  })

  it('refuses to move a cluster to another region after creation', async () => {
    const { tenant, cluster } = await aClusterOfItsOwn()
    const problem = await expectStatus(
      await api.request('PATCH', `/v1/orgs/${tenant.org}/clusters/${cluster}`, {
        as: tenant.owner,
        body: { region: 'eu-west-1' },
      }),
      422,
    )
    expect(problem.errors).toEqual(
      expect.arrayContaining([{ path: 'region', message: 'cannot change after creation' }]),
    )
  })
})

describe('PATCH', () => {
  it('changes only the fields it names: the others keep their values, not their defaults', async () => {
    const { tenant, cluster } = await aClusterOfItsOwn()
    const clusterPath = `/v1/orgs/${tenant.org}/clusters/${cluster}`
    const before = await expectStatus(
      await api.request('GET', clusterPath, { as: tenant.owner }),
      200,
    )
    const patched = await expectStatus(
      await api.request('PATCH', clusterPath, {
        as: tenant.owner,
        body: { description: 'orders' },
      }),
      200,
    )
    expect(patched).toMatchObject({
      description: 'orders',
      region: before.region,
      type: before.type,
    })

    const account = `${clusterPath}/service-accounts/shop`
    const acls = [
      { resourceType: 'topic', patternType: 'literal', name: 'orders', operations: ['read'] },
    ]
    await expectStatus(
      await api.request('PUT', account, {
        as: tenant.owner,
        body: { description: 'the shop', acls },
      }),
      201,
    )
    // The same spec again is no change, and its ETag is the one a GET gives, on PostgreSQL too,
    // whose jsonb reorders the ACLs' keys.
    const put = await api.request('PUT', account, {
      as: tenant.owner,
      body: { description: 'the shop', acls },
    })
    expect(await expectStatus(put, 200)).toMatchObject({ generation: 1 })
    const read = await api.request('GET', account, { as: tenant.owner })
    expect(read.headers.get('etag')).toBe(put.headers.get('etag'))
    const renamed = await expectStatus(
      await api.request('PATCH', account, { as: tenant.owner, body: { description: 'our shop' } }),
      200,
    )
    expect(renamed).toMatchObject({ description: 'our shop', acls })
    const narrowed = await expectStatus(
      await api.request('PATCH', account, { as: tenant.owner, body: { acls: [] } }),
      200,
    )
    expect(narrowed).toMatchObject({ description: 'our shop', acls: [] })
  })
})

describe('?wait=true', () => {
  it('answers once the provisioner reports the current generation Ready', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    const name = await withTopic(api, tenant, cluster)
    const waiting = api.request('PATCH', `${topics}/${name}?wait=true&timeoutSeconds=10`, {
      as: tenant.owner,
      body: { partitions: 2 },
    })
    // As the status watcher will: a little later, on its own connection.
    setTimeout(async () => {
      await api.database.db
        .update(topicTable)
        .set({ phase: 'Ready', observedGeneration: 2 })
        .where(eq(topicTable.name, name))
    }, 400)
    const response = await waiting
    expect(await expectStatus(response, 200)).toMatchObject({
      generation: 2,
      status: { phase: 'Ready', observedGeneration: 2 },
    })
    expect(response.headers.get('fjord-wait')).toBe('settled')
  })

  it('does not take a Ready status of an older generation for the answer', async () => {
    const { tenant, topics, cluster } = await aClusterOfItsOwn()
    const name = await withTopic(api, tenant, cluster)
    await api.database.db
      .update(topicTable)
      .set({ phase: 'Ready', observedGeneration: 1 })
      .where(eq(topicTable.name, name))
    const started = Date.now()
    const response = await api.request('PATCH', `${topics}/${name}?wait=true&timeoutSeconds=1`, {
      as: tenant.owner,
      body: { partitions: 2 },
    })
    const problem = await expectStatus(response, 504)
    expect(problem).toMatchObject({
      code: 'wait_timeout',
      detail: expect.stringContaining('was accepted'),
      resource: { generation: 2, status: { observedGeneration: 1 } },
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
  })
})

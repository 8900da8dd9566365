import { randomUUID } from 'node:crypto'
import { expectStatus, stackDatabase, startTestApi, type TestApi } from '@fjord/testing/api'
import {
  aCluster,
  aTenant,
  aTopic,
  recordedChanges,
  type Tenant,
  withCluster,
  withRoomyQuota,
  withTopic,
} from '@fjord/testing/tenants'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { Context } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusters, orgUsage, quotaOverrides, topics } from '../src/db/schema/index.ts'
import type { AppEnv } from '../src/http/context.ts'
import { planLimits, type QuotaLimits, quotaViolations } from '../src/quota/limits.ts'
import { parseOverrideArguments, setQuotaOverride } from '../src/quota/overrides.ts'
import { readQuota } from '../src/quota/usage.ts'
import { createTopicAtOnce } from '../src/resources/topic-creates.ts'
import { topicQuotaChange } from '../src/resources/topics.ts'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

const day = 24 * 60 * 60 * 1000

describe('quotas of the free plan', () => {
  it('accepts partitions up to exactly 30 and refuses the 31st, naming limit, use and maximum', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    await withTopic(api, tenant, cluster, { partitions: 20 })
    await withTopic(api, tenant, cluster, { partitions: 10 })
    const before = await recordedChanges(api, tenant)
    const refused = await api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
      as: tenant.owner,
      body: aTopic({ name: 'one-too-many', partitions: 1 }),
    })
    const problem = await expectStatus(refused, 422)
    expect(problem).toMatchObject({
      code: 'quota_exceeded',
      limit: 'partitions',
      current: 30,
      maximum: 30,
      requested: 1,
    })
    const after = await recordedChanges(api, tenant)
    expect(after.audit).toHaveLength(before.audit.length)
    expect(after.outbox).toHaveLength(before.outbox.length)
    await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics/one-too-many`, {
        as: tenant.owner,
      }),
      404,
    )
  })

  it('allows one cluster and refuses a second', async () => {
    const tenant = await aTenant(api)
    await withCluster(api, tenant)
    const problem = await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/clusters`, {
        as: tenant.owner,
        body: aCluster(),
      }),
      422,
    )
    expect(problem).toMatchObject({
      code: 'quota_exceeded',
      limit: 'clusters',
      current: 1,
      maximum: 1,
    })
  })

  it('allows ten topics and refuses the eleventh', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    for (let i = 0; i < 10; i++) await withTopic(api, tenant, cluster)
    const problem = await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
        as: tenant.owner,
        body: aTopic(),
      }),
      422,
    )
    expect(problem).toMatchObject({ limit: 'topics', current: 10, maximum: 10 })
  })

  it('accepts seven days of retention and refuses a millisecond more, or forever', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    await withTopic(api, tenant, cluster, { config: { 'retention.ms': 7 * day } })
    for (const retention of [7 * day + 1, -1]) {
      const problem = await expectStatus(
        await api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
          as: tenant.owner,
          body: aTopic({ config: { 'retention.ms': retention } }),
        }),
        422,
      )
      expect(problem).toMatchObject({ limit: 'maxRetentionMs', maximum: 7 * day })
    }
  })

  it("counts a platform admin's override for a new topic: more topics, a shorter retention", async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    await api.database.db
      .insert(quotaOverrides)
      .values({ orgId: tenant.orgId, topics: 11, maxRetentionMs: day })
    const create = (overrides: Record<string, unknown>) =>
      api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
        as: tenant.owner,
        body: aTopic(overrides),
      })
    const longer = await expectStatus(await create({ config: { 'retention.ms': 2 * day } }), 422)
    expect(longer).toMatchObject({ limit: 'maxRetentionMs', current: 2 * day, maximum: day })
    await expectStatus(await create({ config: { 'retention.ms': day } }), 201)
    for (let i = 1; i < 11; i++) await expectStatus(await create({}), 201)
    const twelfth = await expectStatus(await create({}), 422)
    expect(twelfth).toMatchObject({ limit: 'topics', current: 11, maximum: 11 })
  })

  // Creates at once; the free plan has room for 10 topics and 30 partitions.
  it.each([
    { binding: 'topics', creates: 20, partitions: 1, fit: 10 },
    { binding: 'partitions', creates: 9, partitions: 5, fit: 6 },
  ])(
    'lets exactly as many in as fit when creates race for the last room ($binding)',
    async ({ creates, partitions, fit }) => {
      const tenant = await aTenant(api)
      const cluster = await withCluster(api, tenant)
      const statuses = await Promise.all(
        Array.from({ length: creates }, async () => {
          const response = await api.request(
            'POST',
            `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`,
            { as: tenant.owner, body: aTopic({ partitions }) },
          )
          await response.body?.cancel()
          return response.status
        }),
      )
      expect(statuses.filter((status) => status === 201)).toHaveLength(fit)
      expect(statuses.filter((status) => status === 422)).toHaveLength(creates - fit)
      const [counted] = await api.database.db
        .select()
        .from(orgUsage)
        .where(eq(orgUsage.orgId, tenant.orgId))
      expect(counted).toMatchObject({ topics: fit, partitions: fit * partitions })
      const changes = await recordedChanges(api, tenant)
      expect(changes.audit.filter((event) => event.action === 'topic.create')).toHaveLength(fit)
      expect(changes.outbox.filter((row) => row.action === 'topic.create')).toHaveLength(fit)
    },
  )

  it('shows limits and current use', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    await withTopic(api, tenant, cluster, { partitions: 4 })
    const quotas = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/quotas`, { as: tenant.owner }),
      200,
    )
    expect(quotas).toMatchObject({
      plan: 'free',
      limits: {
        clusters: 1,
        topics: 10,
        partitions: 30,
        storageBytes: 1024 ** 3,
        ingressBytesPerSecond: 1024 ** 2,
        egressBytesPerSecond: 2 * 1024 ** 2,
        maxRetentionMs: 7 * day,
      },
      use: { clusters: 1, topics: 1, partitions: 4 },
    })
  })

  it('answers whether a planned change fits without changing anything', async () => {
    const tenant = await aTenant(api)
    const check = (body: unknown) =>
      api.request('POST', `/v1/orgs/${tenant.org}/quotas/check`, { as: tenant.owner, body })
    expect(await expectStatus(await check({ partitions: 30 }), 200)).toEqual({
      fits: true,
      violations: [],
    })
    expect(await expectStatus(await check({ partitions: 31 }), 200)).toEqual({
      fits: false,
      violations: [{ limit: 'partitions', current: 0, maximum: 30, requested: 31 }],
    })
    expect((await recordedChanges(api, tenant)).audit.map((event) => event.action)).toEqual([
      'organization.create',
    ])
  })

  it('refuses a plan downgrade the current use does not fit', async () => {
    const tenant = await aTenant(api)
    await expectStatus(
      await api.request('PATCH', `/v1/orgs/${tenant.org}`, {
        as: tenant.owner,
        body: { plan: 'startup' },
      }),
      200,
    )
    const cluster = await withCluster(api, tenant)
    await withTopic(api, tenant, cluster, { partitions: 31 })
    const problem = await expectStatus(
      await api.request('PATCH', `/v1/orgs/${tenant.org}`, {
        as: tenant.owner,
        body: { plan: 'free' },
      }),
      422,
    )
    expect(problem).toMatchObject({ code: 'quota_exceeded', limit: 'partitions' })
  })
})

describe('a topic create, through the fast path, the general path and the bulk apply', () => {
  // Every limit the plans have, each in turn without room: one added later is covered too.
  const limits = Object.keys(planLimits.free) as (keyof QuotaLimits)[]

  it.each(limits)(
    'is answered alike by all three when %s has no room, as the quota rules say',
    async (limit) => {
      const tenant = await aTenant(api)
      const cluster = await withCluster(api, tenant)
      await setQuotaOverride(api.database.db, tenant.org, parseOverrideArguments([`${limit}=0`]))
      const spec = { partitions: 2, replicationFactor: 1, config: { 'retention.ms': String(day) } }
      // What api/src/quota says of such a create, on the org's use and limits as they are now.
      const { limits, use } = await readQuota(
        api.database.db,
        { orgId: tenant.orgId, plan: 'free' },
        { lock: false },
      )
      const violations = quotaViolations(limits, use, topicQuotaChange(undefined, spec))
      const before = await recordedChanges(api, tenant)

      const path = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`
      const as = tenant.owner
      const answers = {
        fast: await api.request('POST', path, { as, body: { name: 'fast', ...spec } }),
        general: await api.request('PUT', `${path}/general`, { as, body: spec }),
        bulk: await api.request('PUT', path, { as, body: { topics: [{ name: 'bulk', ...spec }] } }),
      }

      if (violations.length === 0) {
        expect(
          Object.values(answers).map((answer) => answer.status),
          'created by all three',
        ).toEqual([201, 201, 200])
        return
      }
      const problems = Object.fromEntries(
        await Promise.all(
          Object.entries(answers).map(async ([way, answer]) => {
            const { instance, requestId, ...problem } = await expectStatus(answer, 422)
            return [way, problem]
          }),
        ),
      )
      expect(problems.fast).toMatchObject({ code: 'quota_exceeded', limit, violations })
      expect(problems.general, 'the general path answers as the fast one').toEqual(problems.fast)
      expect(problems.bulk, 'the bulk apply answers as the fast one').toEqual(problems.fast)
      const after = await recordedChanges(api, tenant)
      expect(after.audit, 'audit events of the refused creates').toHaveLength(before.audit.length)
      expect(after.outbox, 'outbox rows of the refused creates').toHaveLength(before.outbox.length)
    },
  )
})

describe('the fast path of a topic create, on PostgreSQL', () => {
  it('leaves the create to the general path when the quota rows change between its decision and its write', async () => {
    const postgres = await startTestApi({ databaseUrl: await stackDatabase('fjord_quotas_test') })
    const { db } = postgres.database
    try {
      const tenant = await aTenant(postgres)
      const cluster = await withCluster(postgres, tenant)
      // The fast path's first create leaves it knowing the quota's counts.
      await withTopic(postgres, tenant, cluster)
      const [row] = await db.select().from(clusters).where(eq(clusters.orgId, tenant.orgId))
      // Another writer makes the org's last nine topics and holds the usage row until told.
      let commit = () => {}
      const committing = new Promise<void>((resolve) => {
        commit = resolve
      })
      let written = () => {}
      const writtenElsewhere = new Promise<void>((resolve) => {
        written = resolve
      })
      const elsewhere = db.transaction(async (tx) => {
        await tx.insert(topics).values(
          Array.from({ length: 9 }, (_, i) => ({
            orgId: tenant.orgId,
            clusterId: row?.id ?? '',
            name: `elsewhere-${i}`,
            collisionKey: `elsewhere-${i}`,
            kafkaName: `${row?.kafkaPrefix}elsewhere-${i}`,
            partitions: 1,
            replicationFactor: 1,
          })),
        )
        written()
        await committing
      })
      await writtenElsewhere
      // Known before the other writer commits, the quota has room; the write waits for its lock.
      const creating = postgres.request(
        'POST',
        `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`,
        {
          as: tenant.owner,
          body: aTopic({ name: 'one-too-many' }),
        },
      )
      const waitingForTheLock = async () => {
        const { rows } = (await db.execute(sql`
          select 1 from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'
             and query like '%quota_as_decided%'`)) as { rows: unknown[] }
        return rows.length
      }
      await expect
        .poll(waitingForTheLock, {
          timeout: 10_000,
          message: 'the fast path to wait for the usage row',
        })
        .toBe(1)
      commit()
      await elsewhere
      const problem = await expectStatus(await creating, 422)
      expect(problem).toMatchObject({ code: 'quota_exceeded', limit: 'topics', current: 10 })
    } finally {
      await postgres.close()
    }
  })
})

describe('the fast path of a topic create, after writes it did not make', () => {
  const spec = { partitions: 1, replicationFactor: 1, config: {} }

  /** The fast path alone, as the route calls it first: the row, or undefined to fall back. */
  async function createAtOnce(tenant: Tenant, cluster: string, name: string) {
    const c = new Context<AppEnv>(new Request('http://fjord.test/'))
    c.set('db', api.database.db)
    c.set('requestId', randomUUID())
    const actor = { type: 'platform' as const, id: 'quotas-test', label: 'quotas test' }
    const { orgId, org: orgName, namespace } = tenant
    const asTenant = { orgId, orgName, namespace, plan: 'free', role: 'owner' as const, actor }
    return createTopicAtOnce(c, asTenant, cluster, name, spec)
  }

  const create = (tenant: Tenant, cluster: string) =>
    api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
      as: tenant.owner,
      body: aTopic(spec),
    })

  async function countedTopics(tenant: Tenant) {
    const [counted] = await api.database.db
      .select()
      .from(orgUsage)
      .where(eq(orgUsage.orgId, tenant.orgId))
    return counted?.topics
  }

  // Each makes topics of the org without the fast path knowing.
  const elsewhere: Record<
    string,
    (tenant: Tenant, cluster: string, names: string[]) => Promise<void>
  > = {
    'the general path': async (tenant, cluster, names) => {
      for (const name of names) {
        await expectStatus(
          await api.request('PUT', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics/${name}`, {
            as: tenant.owner,
            body: spec,
          }),
          201,
        )
      }
    },
    'the bulk apply': async (tenant, cluster, names) => {
      await expectStatus(
        await api.request('PUT', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
          as: tenant.owner,
          body: { topics: names.map((name) => ({ name, ...spec })) },
        }),
        200,
      )
    },
    'another writer': async (tenant, _cluster, names) => {
      const [row] = await api.database.db
        .select()
        .from(clusters)
        .where(eq(clusters.orgId, tenant.orgId))
      if (!row) throw new Error('the tenant has no cluster')
      await api.database.db.insert(topics).values(
        names.map((name) => ({
          orgId: tenant.orgId,
          clusterId: row.id,
          name,
          collisionKey: name,
          kafkaName: `${row.kafkaPrefix}${name}`,
          ...spec,
        })),
      )
    },
  }

  it.each(Object.keys(elsewhere))(
    'counts the topics %s made since its last create, up to the limit and not past it',
    async (way) => {
      const tenant = await aTenant(api)
      const cluster = await withCluster(api, tenant)
      await expectStatus(await create(tenant, cluster), 201)
      const names = Array.from({ length: 8 }, (_, i) => `elsewhere-${i}`)
      await elsewhere[way]?.(tenant, cluster, names)
      await expectStatus(await create(tenant, cluster), 201)
      const problem = await expectStatus(await create(tenant, cluster), 422)
      expect(problem).toMatchObject({ limit: 'topics', current: 10, maximum: 10 })
      expect(await countedTopics(tenant), 'topics the usage row counts').toBe(10)
    },
  )

  it('takes a create itself when deletes made room since its last create kept creates out', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const names = Array.from({ length: 10 }, (_, i) => `full-${i}`)
    for (const name of names) await withTopic(api, tenant, cluster, { name, ...spec })
    await expectStatus(await create(tenant, cluster), 422)
    // As the provisioner does once Kafka has deleted them.
    await api.database.db
      .delete(topics)
      .where(and(eq(topics.orgId, tenant.orgId), inArray(topics.name, names.slice(0, 3))))
    expect(await createAtOnce(tenant, cluster, 'room-again'), 'the row it made').toMatchObject({
      name: 'room-again',
    })
    await expectStatus(await create(tenant, cluster), 201)
    await expectStatus(await create(tenant, cluster), 201)
    const problem = await expectStatus(await create(tenant, cluster), 422)
    expect(problem).toMatchObject({ limit: 'topics', current: 10, maximum: 10 })
  })

  it('holds a create to a quota override lowered or raised since its last create', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    await expectStatus(await create(tenant, cluster), 201)
    await expectStatus(await create(tenant, cluster), 201)
    await setQuotaOverride(api.database.db, tenant.org, parseOverrideArguments(['topics=2']))
    const problem = await expectStatus(await create(tenant, cluster), 422)
    expect(problem).toMatchObject({ limit: 'topics', current: 2, maximum: 2 })
    await setQuotaOverride(api.database.db, tenant.org, parseOverrideArguments(['topics=3']))
    expect(await createAtOnce(tenant, cluster, 'raised'), 'the row it made').toMatchObject({
      name: 'raised',
    })
    expect(await countedTopics(tenant), 'topics the usage row counts').toBe(3)
  })
})

describe('usage counters', () => {
  it('stay equal to the clusters, topics and partitions the org holds, however they change', async () => {
    const tenant = await aTenant(api)
    await withRoomyQuota(api, tenant)
    const cluster = await withCluster(api, tenant)
    const path = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`
    await withTopic(api, tenant, cluster, { name: 'grow', partitions: 2 })
    await expectStatus(
      await api.request('PATCH', `${path}/grow`, { as: tenant.owner, body: { partitions: 5 } }),
      200,
    )
    await expectStatus(
      await api.request('PUT', path, {
        as: tenant.owner,
        body: { topics: [aTopic({ name: 'grow', partitions: 5 }), aTopic({ partitions: 3 })] },
      }),
      200,
    )
    await api.database.db.delete(topics).where(eq(topics.name, 'grow'))
    const [counted] = await api.database.db
      .select()
      .from(orgUsage)
      .where(eq(orgUsage.orgId, tenant.orgId))
    const [actual] = await api.database.db
      .select({
        topics: sql<number>`count(*)::int`,
        partitions: sql<number>`coalesce(sum(${topics.partitions}), 0)::int`,
      })
      .from(topics)
      .where(eq(topics.orgId, tenant.orgId))
    expect(counted).toMatchObject({ clusters: 1, topics: 1, partitions: 3 })
    expect(actual).toEqual({ topics: 1, partitions: 3 })
  })
})

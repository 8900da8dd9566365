import { readyCondition, reasons } from '@fjord/contract/reasons'
import { expectStatus, json, startTestApi, type TestApi } from '@fjord/testing/api'
import { aTenant, aTopic, withCluster, withRoomyQuota } from '@fjord/testing/tenants'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { topics } from '../src/db/schema/index.ts'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

describe('cursor pagination', () => {
  it('walks 250 topics in pages of 100, each once and in order', async () => {
    const tenant = await aTenant(api)
    await withRoomyQuota(api, tenant)
    const cluster = await withCluster(api, tenant)
    const path = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`
    const names = Array.from({ length: 250 }, (_, i) => `topic-${String(i).padStart(3, '0')}`)
    await expectStatus(
      await api.request('PUT', path, {
        as: tenant.owner,
        body: { topics: names.map((name) => aTopic({ name })) },
      }),
      200,
    )
    const seen: string[] = []
    const pageSizes: number[] = []
    let cursor: string | null = null
    do {
      const query: string = cursor ? `?limit=100&cursor=${cursor}` : '?limit=100'
      const page = (await expectStatus(
        await api.request('GET', `${path}${query}`, { as: tenant.owner }),
        200,
      )) as {
        items: { name: string }[]
        nextCursor: string | null
      }
      pageSizes.push(page.items.length)
      seen.push(...page.items.map((item) => item.name))
      cursor = page.nextCursor
    } while (cursor)
    expect(pageSizes).toEqual([100, 100, 50])
    expect(seen).toEqual(names)
  })

  it('answers an empty last page with a null cursor', async () => {
    const tenant = await aTenant(api)
    const page = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/clusters`, { as: tenant.owner }),
      200,
    )
    expect(page).toEqual({ items: [], nextCursor: null })
  })

  it('refuses a cursor it did not hand out', async () => {
    const tenant = await aTenant(api)
    const problem = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/clusters?cursor=bm9wZQ`, {
        as: tenant.owner,
      }),
      422,
    )
    expect(problem.errors).toEqual([{ path: 'query.cursor', message: expect.any(String) }])
  })
})

describe('a page of topics', () => {
  it('shows each topic exactly as GET does, after whatever changed its spec or status', async () => {
    const tenant = await aTenant(api)
    await withRoomyQuota(api, tenant)
    const cluster = await withCluster(api, tenant)
    const path = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`
    await expectStatus(
      await api.request('PUT', path, {
        as: tenant.owner,
        body: {
          topics: [
            aTopic({ name: 'orders.eu', partitions: 3 }),
            aTopic({
              name: 'payments_v2',
              config: { 'cleanup.policy': 'compact', 'retention.ms': 3_600_000 },
            }),
            aTopic({ name: 'z' }),
          ],
        },
      }),
      200,
    )
    // A status as the provisioner writes it, with text that JSON must escape.
    await api.database.db
      .update(topics)
      .set({
        phase: 'Failed',
        observedGeneration: 1,
        conditions: [
          {
            type: readyCondition,
            status: 'False',
            reason: reasons.KafkaRejected,
            message: 'Kafka said "no" \\ ünïcödé\nsecond line',
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      })
      .where(and(eq(topics.orgId, tenant.orgId), eq(topics.name, 'payments_v2')))
    await expectStatus(
      await api.request('PATCH', `${path}/orders.eu`, {
        as: tenant.owner,
        body: { partitions: 6, config: { 'retention.ms': 60_000 } },
      }),
      200,
    )
    await expectStatus(await api.request('DELETE', `${path}/z`, { as: tenant.owner }), 202)
    const page = await json<{ items: { name: string }[]; nextCursor: string | null }>(
      await api.request('GET', `${path}?limit=2`, { as: tenant.owner }),
    )
    const rest = await json<{ items: { name: string }[]; nextCursor: string | null }>(
      await api.request('GET', `${path}?limit=2&cursor=${page.nextCursor}`, { as: tenant.owner }),
    )
    expect(rest.nextCursor).toBeNull()
    const listed = [...page.items, ...rest.items]
    expect(listed.map((item) => item.name)).toEqual(['orders.eu', 'payments_v2', 'z'])
    for (const item of listed) {
      const got = await expectStatus(
        await api.request('GET', `${path}/${item.name}`, { as: tenant.owner }),
        200,
      )
      expect(item).toStrictEqual(got)
    }
  })

  it('is empty for a cluster without topics, and 404 for a cluster that is not there', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const empty = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
        as: tenant.owner,
      }),
      200,
    )
    expect(empty).toEqual({ items: [], nextCursor: null })
    await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/clusters/elsewhere/topics`, {
        as: tenant.owner,
      }),
      404,
    )
  })
})

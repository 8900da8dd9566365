import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectStatus, startTestApi, type TestApi } from './support/api.ts'
import { aTenant, aTopic, withCluster, withRoomyQuota } from './support/builders.ts'

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

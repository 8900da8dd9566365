import { startTestApi, type TestApi } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createFjordClient, FjordProblem, unwrap } from '../src/client.ts'

// The api in-process, on PGlite in memory (or DATABASE_URL): the client goes through its handler.
let api: TestApi
beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

const baseUrl = 'http://fjord.test'
const viaApi = async (request: Request) => api.fetch(request)

/** A new org, and clients for its owner: signed in (cookie and CSRF token) and by API key. */
async function anOrg() {
  const org = uniqueName('org')
  const { data, response } = await createFjordClient({ baseUrl, fetch: viaApi }).POST(
    '/v1/auth/signup',
    {
      body: {
        email: `${uniqueName('user')}@example.com`,
        password: 'correct horse battery staple',
        organization: { name: org },
      },
    },
  )
  expect(response.status).toBe(201)
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ')
  const owner = createFjordClient({
    baseUrl,
    fetch: viaApi,
    headers: { cookie, 'x-csrf-token': data?.csrfToken ?? '' },
  })
  const key = await unwrap(
    owner.POST('/v1/orgs/{org}/api-keys', {
      params: { path: { org } },
      body: { name: 'ci', role: 'admin' },
    }),
  )
  return { org, owner, admin: createFjordClient({ baseUrl, fetch: viaApi, token: key.token }) }
}

describe('the Fjord client', () => {
  test("answers a route's body as data, for a session and for an API key", async () => {
    const { org, owner, admin } = await anOrg()
    const created = await owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: { org, cluster: 'main' } },
      body: {},
    })
    expect(created.response.status).toBe(201)
    expect(created.data).toMatchObject({ name: 'main', type: 'shared' })

    const { data, error } = await admin.GET('/v1/orgs/{org}/clusters', {
      params: { path: { org } },
    })
    expect(error).toBeUndefined()
    expect(data?.items.map((cluster) => cluster.name)).toEqual(['main'])
  })

  test('answers a problem as error, with its stable code', async () => {
    const { org, admin } = await anOrg()
    const { data, error, response } = await admin.GET('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: { org, cluster: 'nowhere' } },
    })
    expect(data).toBeUndefined()
    expect(response.status).toBe(404)
    expect(error).toMatchObject({ code: 'not_found', status: 404, instance: expect.any(String) })
  })

  test('unwrap throws the problem as a FjordProblem', async () => {
    const { org } = await anOrg()
    const stranger = createFjordClient({ baseUrl, fetch: viaApi, token: 'fjord_not_a_key' })
    const failed = unwrap(stranger.GET('/v1/orgs/{org}/clusters', { params: { path: { org } } }))
    await expect(failed).rejects.toBeInstanceOf(FjordProblem)
    await expect(failed).rejects.toMatchObject({
      code: 'unauthorized',
      status: 401,
      problem: { code: 'unauthorized', title: 'Authentication required' },
    })
  })

  test('unwrap throws an error answer that is no problem+json as a problem too', async () => {
    const behindAProxy = createFjordClient({
      baseUrl,
      fetch: async () => new Response('upstream timed out', { status: 504 }),
    })
    await expect(unwrap(behindAProxy.GET('/v1/topic-presets'))).rejects.toMatchObject({
      code: 'unexpected_response',
      status: 504,
      message: '504 upstream timed out',
    })
  })
})

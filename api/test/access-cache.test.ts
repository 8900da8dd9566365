import { setTimeout as sleep } from 'node:timers/promises'
import { type Caller, expectStatus, json, startTestApi, type TestApi } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import { aMember, aPassword, aTenant, type Tenant } from '@fjord/testing/tenants'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiKeys } from '../src/db/schema/index.ts'

// Every test first makes a request with the credential it is about, so that what the api
// knows of it is cached: the change must then reach the very next request anyway.

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

async function aKey(tenant: Tenant, role = 'owner'): Promise<{ name: string; caller: Caller }> {
  const name = uniqueName('key')
  const { token } = (await expectStatus(
    await api.request('POST', `/v1/orgs/${tenant.org}/api-keys`, {
      as: tenant.owner,
      body: { name, role },
    }),
    201,
  )) as { token: string }
  return { name, caller: { kind: 'api_key', token } }
}

const statusOf = async (method: string, path: string, as: Caller) =>
  (await api.request(method, path, { as })).status

async function organizationsOf(as: Caller): Promise<string[]> {
  const me = await json<{ memberships: { organization: string }[] }>(
    await api.request('GET', '/v1/me', { as }),
  )
  return me.memberships.map((membership) => membership.organization)
}

describe('a change to who may do what applies to the very next request', () => {
  it('a revoked API key is refused', async () => {
    const tenant = await aTenant(api)
    const key = await aKey(tenant)
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}`, key.caller)).toBe(200)
    await expectStatus(
      await api.request('DELETE', `/v1/orgs/${tenant.org}/api-keys/${key.name}`, {
        as: tenant.owner,
      }),
      204,
    )
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}`, key.caller)).toBe(401)
  })

  it('a removed member no longer sees the org', async () => {
    const tenant = await aTenant(api)
    const member = await aMember(api, tenant, 'developer')
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}`, member)).toBe(200)
    await expectStatus(
      await api.request('DELETE', `/v1/orgs/${tenant.org}/members/${member.email}`, {
        as: tenant.owner,
      }),
      204,
    )
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}`, member)).toBe(404)
    expect(await organizationsOf(member)).not.toContain(tenant.org)
  })

  it('a lowered role loses its rights', async () => {
    const tenant = await aTenant(api)
    const member = await aMember(api, tenant, 'admin')
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}/api-keys`, member)).toBe(200)
    await expectStatus(
      await api.request('PATCH', `/v1/orgs/${tenant.org}/members/${member.email}`, {
        as: tenant.owner,
        body: { role: 'viewer' },
      }),
      200,
    )
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}/api-keys`, member)).toBe(403)
  })

  it("a changed password ends the user's other sessions", async () => {
    const tenant = await aTenant(api)
    const login = await api.request('POST', '/v1/auth/login', {
      body: { email: tenant.email, password: aPassword },
    })
    const { csrfToken } = (await expectStatus(login, 200)) as { csrfToken: string }
    const cookie = login.headers
      .getSetCookie()
      .map((header) => header.split(';')[0])
      .join('; ')
    const other: Caller = { kind: 'session', cookie, csrfToken }
    expect(await statusOf('GET', '/v1/me', other)).toBe(200)
    await expectStatus(
      await api.request('POST', '/v1/me/password', {
        as: tenant.owner,
        body: { currentPassword: aPassword, newPassword: 'another horse battery staple' },
      }),
      200,
    )
    expect(await statusOf('GET', '/v1/me', other)).toBe(401)
  })

  it('a deleted org is gone, and so are its keys', async () => {
    const tenant = await aTenant(api)
    const key = await aKey(tenant)
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}`, key.caller)).toBe(200)
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}`, tenant.owner)).toBe(200)
    expect(await organizationsOf(tenant.owner)).toEqual([tenant.org])
    await expectStatus(
      await api.request('DELETE', `/v1/orgs/${tenant.org}`, { as: tenant.owner }),
      204,
    )
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}`, tenant.owner)).toBe(404)
    expect(await statusOf('GET', '/v1/me', key.caller)).toBe(401)
    expect(await organizationsOf(tenant.owner)).toEqual([])
  })

  it("a new plan is the org's plan", async () => {
    const tenant = await aTenant(api)
    const planOf = async () =>
      (
        await json<{ plan: string }>(
          await api.request('GET', `/v1/orgs/${tenant.org}/quotas`, { as: tenant.owner }),
        )
      ).plan
    expect(await planOf()).toBe('free')
    await expectStatus(
      await api.request('PATCH', `/v1/orgs/${tenant.org}`, {
        as: tenant.owner,
        body: { plan: 'startup' },
      }),
      200,
    )
    expect(await planOf()).toBe('startup')
  })

  it('a joined or created org is among the memberships', async () => {
    const tenant = await aTenant(api)
    const invitee = await aTenant(api)
    expect(await organizationsOf(invitee.owner)).toEqual([invitee.org])
    const { token } = (await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/invitations`, {
        as: tenant.owner,
        body: { email: invitee.email, role: 'viewer' },
      }),
      201,
    )) as { token: string }
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}`, invitee.owner)).toBe(404)
    await expectStatus(
      await api.request('POST', '/v1/invitations/accept', { as: invitee.owner, body: { token } }),
      200,
    )
    expect(await statusOf('GET', `/v1/orgs/${tenant.org}`, invitee.owner)).toBe(200)
    const created = uniqueName('org')
    await expectStatus(
      await api.request('POST', '/v1/orgs', { as: invitee.owner, body: { name: created } }),
      201,
    )
    expect((await organizationsOf(invitee.owner)).sort()).toEqual(
      [invitee.org, tenant.org, created].sort(),
    )
  })
})

describe('a change made past this api (another replica, or SQL by hand)', () => {
  it('reaches this api within moments, long before what it cached would expire', async () => {
    const tenant = await aTenant(api)
    const key = await aKey(tenant)
    expect(await statusOf('GET', '/v1/me', key.caller)).toBe(200)
    await api.database.db.delete(apiKeys).where(eq(apiKeys.name, key.name))
    // The cached key would be accepted for a minute: only the database's notification, heard
    // by the cache, makes it refused this soon.
    await expect
      .poll(() => statusOf('GET', '/v1/me', key.caller), {
        timeout: 2_000,
        interval: 10,
        message: 'the key deleted by SQL to be refused within 2 s',
      })
      .toBe(401)
  })

  it.skipIf(!process.env.DATABASE_URL)(
    'is not missed while the api is not listening for changes',
    async () => {
      const tenant = await aTenant(api)
      const key = await aKey(tenant)
      expect(await statusOf('GET', '/v1/me', key.caller)).toBe(200)
      // Every api on this database loses its listener; each reconnects on its own.
      await api.database.db.execute(
        sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'fjord-listener'`,
      )
      await sleep(200)
      // Used again while no notification can reach the api: it must not keep the key now.
      expect(await statusOf('GET', '/v1/me', key.caller)).toBe(200)
      await api.database.db.delete(apiKeys).where(eq(apiKeys.name, key.name))
      expect(await statusOf('GET', '/v1/me', key.caller)).toBe(401)
    },
  )
})

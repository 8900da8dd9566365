import { anonymous, expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import { aMember, anApiKey, aPassword, aTenant, aTopic, withCluster } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi({ loginAttemptsPerWindow: 3 })
})
afterAll(() => api.close())

function sessionOf(response: Response, csrfToken: string) {
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ')
  return { kind: 'session' as const, cookie, csrfToken }
}

async function logIn(email: string, password = aPassword) {
  const response = await api.request('POST', '/v1/auth/login', { body: { email, password } })
  const { csrfToken } = (await expectStatus(response, 200)) as { csrfToken: string }
  return sessionOf(response, csrfToken)
}

describe('sessions', () => {
  it('signs up a user as owner of a new org and knows them at /v1/me', async () => {
    const tenant = await aTenant(api)
    const me = await expectStatus(await api.request('GET', '/v1/me', { as: tenant.owner }), 200)
    expect(me).toMatchObject({
      kind: 'user',
      user: { email: tenant.email },
      memberships: [{ organization: tenant.org, role: 'owner' }],
    })
  })

  it('sets an HttpOnly SameSite session cookie, Secure only behind TLS', async () => {
    const tenant = await aTenant(api)
    const plain = await api.request('POST', '/v1/auth/login', {
      body: { email: tenant.email, password: aPassword },
    })
    const cookie = plain.headers
      .getSetCookie()
      .find((header) => header.startsWith('fjord_session='))
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).not.toMatch(/Secure/)
    const tls = await startTestApi({ behindTls: true })
    try {
      const secured = await aTenant(tls)
      const response = await tls.request('POST', '/v1/auth/login', {
        body: { email: secured.email, password: aPassword },
      })
      expect(response.headers.getSetCookie().join('\n')).toMatch(/fjord_session=[^\n]*Secure/)
    } finally {
      await tls.close()
    }
  })

  it('refuses an org name that is a namespace of Kubernetes or Fjord, creating nobody', async () => {
    for (const name of ['default', 'kube-system', 'fjord-system']) {
      const email = `${uniqueName('reserved')}@example.com`
      const problem = await expectStatus(
        await api.request('POST', '/v1/auth/signup', {
          body: { email, password: aPassword, organization: { name } },
        }),
        422,
      )
      expect(problem).toMatchObject({
        code: 'validation_failed',
        errors: [{ path: 'organization.name', message: expect.stringContaining('reserved') }],
      })
      await expectStatus(
        await api.request('POST', '/v1/auth/login', { body: { email, password: aPassword } }),
        401,
      )
    }
  })

  it('refuses a taken email with a conflict', async () => {
    const tenant = await aTenant(api)
    const problem = await expectStatus(
      await api.request('POST', '/v1/auth/signup', {
        body: {
          email: tenant.email,
          password: aPassword,
          organization: { name: `${tenant.org}-2` },
        },
      }),
      409,
    )
    expect(problem.code).toBe('conflict')
  })

  it('answers a wrong password and an unknown email alike', async () => {
    const tenant = await aTenant(api)
    const wrong = await expectStatus(
      await api.request('POST', '/v1/auth/login', {
        body: { email: tenant.email, password: 'not the password' },
      }),
      401,
    )
    const unknown = await expectStatus(
      await api.request('POST', '/v1/auth/login', {
        body: { email: 'nobody@example.com', password: 'whatever!!' },
      }),
      401,
    )
    expect(wrong.detail).toBe(unknown.detail)
  })

  it('rate limits repeated sign-in attempts and says when to retry', async () => {
    const tenant = await aTenant(api)
    const attempt = () =>
      api.request('POST', '/v1/auth/login', {
        body: { email: tenant.email, password: 'guess-guess' },
      })
    for (let i = 0; i < 3; i++) await expectStatus(await attempt(), 401)
    const refused = await attempt()
    const problem = await expectStatus(refused, 429)
    expect(problem.code).toBe('rate_limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('refuses a cookie-authenticated write without the CSRF token', async () => {
    const tenant = await aTenant(api)
    const withoutToken = await api.request('POST', `/v1/orgs/${tenant.org}/api-keys`, {
      as: tenant.owner,
      headers: { 'x-csrf-token': '' },
      body: { name: 'ci', role: 'viewer' },
    })
    expect((await expectStatus(withoutToken, 403)).code).toBe('csrf_failed')
    await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/api-keys`, {
        as: tenant.owner,
        body: { name: 'ci', role: 'viewer' },
      }),
      201,
    )
  })

  it('lets a signed-in browser sign in again without the CSRF token', async () => {
    const tenant = await aTenant(api)
    const response = await api.request('POST', '/v1/auth/login', {
      as: tenant.owner,
      headers: { 'x-csrf-token': '' },
      body: { email: tenant.email, password: aPassword },
    })
    await expectStatus(response, 200)
  })

  it('ends the session on logout', async () => {
    const tenant = await aTenant(api)
    const session = await logIn(tenant.email)
    await expectStatus(await api.request('POST', '/v1/auth/logout', { as: session }), 204)
    await expectStatus(await api.request('GET', '/v1/me', { as: session }), 401)
  })

  it('signs out every session when the password changes, and hands the changer a new one', async () => {
    const tenant = await aTenant(api)
    const laptop = await logIn(tenant.email)
    const phone = await logIn(tenant.email)
    const changed = await api.request('POST', '/v1/me/password', {
      as: laptop,
      body: { currentPassword: aPassword, newPassword: 'a brand new passphrase' },
    })
    const { csrfToken } = (await expectStatus(changed, 200)) as { csrfToken: string }
    await expectStatus(await api.request('GET', '/v1/me', { as: phone }), 401)
    await expectStatus(await api.request('GET', '/v1/me', { as: laptop }), 401)
    await expectStatus(
      await api.request('GET', '/v1/me', { as: sessionOf(changed, csrfToken) }),
      200,
    )
    await logIn(tenant.email, 'a brand new passphrase')
  })
})

describe('API keys', () => {
  it('authenticate as Bearer within their org and role', async () => {
    const tenant = await aTenant(api)
    const key = await anApiKey(api, tenant, 'developer')
    const me = await expectStatus(await api.request('GET', '/v1/me', { as: key }), 200)
    expect(me).toMatchObject({ kind: 'api_key', apiKey: { role: 'developer' } })
    const cluster = await withCluster(api, tenant)
    await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
        as: key,
        body: aTopic(),
      }),
      201,
    )
    await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/clusters`, {
        as: key,
        body: { name: 'another' },
      }),
      403,
    )
  })

  it('cannot see another org: it answers 404', async () => {
    const tenant = await aTenant(api)
    const other = await aTenant(api)
    const key = await anApiKey(api, tenant, 'owner')
    await expectStatus(await api.request('GET', `/v1/orgs/${other.org}`, { as: key }), 404)
  })

  it('stop working the moment they are revoked', async () => {
    const tenant = await aTenant(api)
    const key = await anApiKey(api, tenant, 'viewer')
    const keys = (await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/api-keys`, { as: tenant.owner }),
      200,
    )) as {
      items: { name: string; prefix: string }[]
    }
    const listed = keys.items[0]
    expect(key.token.startsWith(listed?.prefix ?? '?')).toBe(true)
    expect(JSON.stringify(keys)).not.toContain(key.token)
    await expectStatus(
      await api.request('DELETE', `/v1/orgs/${tenant.org}/api-keys/${listed?.name}`, {
        as: tenant.owner,
      }),
      204,
    )
    const refused = await expectStatus(await api.request('GET', '/v1/me', { as: key }), 401)
    expect(refused.code).toBe('unauthorized')
  })

  it('cannot be minted with more rights than the minter has', async () => {
    const tenant = await aTenant(api)
    const admin = await aMember(api, tenant, 'admin')
    await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/api-keys`, {
        as: admin,
        body: { name: 'root', role: 'owner' },
      }),
      403,
    )
  })

  it('refuses a made-up bearer token', async () => {
    await expectStatus(
      await api.request('GET', '/v1/me', { as: { kind: 'api_key', token: 'fjord_madeup' } }),
      401,
    )
    await expectStatus(await api.request('GET', '/v1/me', { as: anonymous }), 401)
  })
})

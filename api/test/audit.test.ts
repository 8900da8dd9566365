import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import {
  aMember,
  aTenant,
  aTopic,
  recordedChanges,
  type Tenant,
  withRoomyQuota,
} from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

/** Runs one request and answers what it added to the audit log and the outbox. */
async function changesMadeBy(tenant: Tenant, send: () => Promise<Response>, status: number) {
  const before = await recordedChanges(api, tenant)
  await expectStatus(await send(), status)
  const after = await recordedChanges(api, tenant)
  return {
    audit: after.audit.slice(before.audit.length),
    outbox: after.outbox.slice(before.outbox.length),
  }
}

describe('the audit log', () => {
  it('records every accepted mutation exactly once, with actor, target and request id, next to one outbox row', async () => {
    const tenant = await aTenant(api)
    await withRoomyQuota(api, tenant)
    const org = `/v1/orgs/${tenant.org}`
    const as = tenant.owner
    const member = await aMember(api, tenant, 'viewer')
    const mutations: [string, () => Promise<Response>, number][] = [
      [
        'cluster.create',
        () => api.request('POST', `${org}/clusters`, { as, body: { name: 'main' } }),
        201,
      ],
      [
        'cluster.update',
        () => api.request('PATCH', `${org}/clusters/main`, { as, body: { description: 'x' } }),
        200,
      ],
      [
        'topic.create',
        () =>
          api.request('POST', `${org}/clusters/main/topics`, { as, body: aTopic({ name: 'a' }) }),
        201,
      ],
      [
        'topic.update',
        () =>
          api.request('PUT', `${org}/clusters/main/topics/a`, {
            as,
            body: { partitions: 2, replicationFactor: 1 },
          }),
        200,
      ],
      ['topic.delete', () => api.request('DELETE', `${org}/clusters/main/topics/a`, { as }), 202],
      [
        'service_account.create',
        () =>
          api.request('PUT', `${org}/clusters/main/service-accounts/app`, {
            as,
            body: { acls: [] },
          }),
        201,
      ],
      [
        'api_key.create',
        () => api.request('POST', `${org}/api-keys`, { as, body: { name: 'ci', role: 'viewer' } }),
        201,
      ],
      ['api_key.delete', () => api.request('DELETE', `${org}/api-keys/ci`, { as }), 204],
      [
        'member.update',
        () =>
          api.request('PATCH', `${org}/members/${member.email}`, {
            as,
            body: { role: 'developer' },
          }),
        200,
      ],
      [
        'invitation.create',
        () =>
          api.request('POST', `${org}/invitations`, {
            as,
            body: { email: 'new@example.com', role: 'viewer' },
          }),
        201,
      ],
      [
        'organization.update',
        () => api.request('PATCH', org, { as, body: { displayName: 'Acme' } }),
        200,
      ],
      ['cluster.delete', () => api.request('DELETE', `${org}/clusters/main`, { as }), 202],
    ]
    for (const [action, send, status] of mutations) {
      const { audit, outbox } = await changesMadeBy(tenant, send, status)
      expect(
        audit.map((event) => event.action),
        action,
      ).toEqual([action])
      expect(
        outbox.map((row) => row.action),
        action,
      ).toEqual([action])
      expect(audit[0]).toMatchObject({
        actorType: 'user',
        actorLabel: tenant.email,
        outcome: 'success',
        requestId: expect.any(String),
      })
    }
  })

  it('records nothing for refused requests', async () => {
    const tenant = await aTenant(api)
    const org = `/v1/orgs/${tenant.org}`
    const viewer = await aMember(api, tenant, 'viewer')
    await expectStatus(
      await api.request('POST', `${org}/clusters`, { as: tenant.owner, body: { name: 'main' } }),
      201,
    )
    const refusals: [() => Promise<Response>, number][] = [
      [
        () =>
          api.request('POST', `${org}/clusters`, { as: tenant.owner, body: { name: 'Bad Name' } }),
        422,
      ],
      [
        () =>
          api.request('POST', `${org}/clusters`, { as: tenant.owner, body: { name: 'second' } }),
        422,
      ],
      [
        () => api.request('POST', `${org}/clusters/main/topics`, { as: viewer, body: aTopic() }),
        403,
      ],
      [
        () =>
          api.request('PATCH', `${org}/clusters/main`, {
            as: tenant.owner,
            body: { description: 'x' },
            headers: { 'if-match': '"stale"' },
          }),
        412,
      ],
      [
        () => api.request('POST', `${org}/clusters`, { as: tenant.owner, body: { name: 'main' } }),
        409,
      ],
    ]
    for (const [send, status] of refusals) {
      const { audit, outbox } = await changesMadeBy(tenant, send, status)
      expect(audit).toEqual([])
      expect(outbox).toEqual([])
    }
  })

  it('is readable by admins, newest first, filtered by action', async () => {
    const tenant = await aTenant(api)
    const org = `/v1/orgs/${tenant.org}`
    await expectStatus(
      await api.request('POST', `${org}/clusters`, { as: tenant.owner, body: { name: 'main' } }),
      201,
    )
    await expectStatus(
      await api.request('PATCH', `${org}/clusters/main`, {
        as: tenant.owner,
        body: { description: 'x' },
      }),
      200,
    )
    const page = (await expectStatus(
      await api.request('GET', `${org}/audit-events`, { as: tenant.owner }),
      200,
    )) as {
      items: { action: string; target: { name: string } }[]
    }
    expect(page.items.map((event) => event.action)).toEqual([
      'cluster.update',
      'cluster.create',
      'organization.create',
    ])
    const filtered = (await expectStatus(
      await api.request('GET', `${org}/audit-events?action=cluster.create`, { as: tenant.owner }),
      200,
    )) as {
      items: { target: { name: string } }[]
    }
    expect(filtered.items.map((event) => event.target.name)).toEqual(['main'])
  })
})

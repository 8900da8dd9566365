import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { aMember, aTenant } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

describe('members and invitations', () => {
  it('lets an invited user join with the invited role', async () => {
    const tenant = await aTenant(api)
    const invitee = await aTenant(api)
    const invitation = await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/invitations`, {
        as: tenant.owner,
        body: { email: invitee.email, role: 'developer' },
      }),
      201,
    )
    const joined = await expectStatus(
      await api.request('POST', '/v1/invitations/accept', {
        as: invitee.owner,
        body: { token: invitation.token },
      }),
      200,
    )
    expect(joined).toEqual({ organization: tenant.org, role: 'developer' })
    const member = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/members/${invitee.email}`, {
        as: invitee.owner,
      }),
      200,
    )
    expect(member.role).toBe('developer')
  })

  it('does not let an invitation change the role of someone already a member', async () => {
    const tenant = await aTenant(api)
    const invitation = await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/invitations`, {
        as: tenant.owner,
        body: { email: tenant.email, role: 'viewer' },
      }),
      201,
    )
    await expectStatus(
      await api.request('POST', '/v1/invitations/accept', {
        as: tenant.owner,
        body: { token: invitation.token },
      }),
      409,
    )
    const me = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/members/${tenant.email}`, {
        as: tenant.owner,
      }),
      200,
    )
    expect(me.role).toBe('owner')
  })

  it('does not let someone else use an invitation', async () => {
    const tenant = await aTenant(api)
    const stranger = await aTenant(api)
    const invitation = await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/invitations`, {
        as: tenant.owner,
        body: { email: 'someone@example.com', role: 'admin' },
      }),
      201,
    )
    await expectStatus(
      await api.request('POST', '/v1/invitations/accept', {
        as: stranger.owner,
        body: { token: invitation.token },
      }),
      404,
    )
  })

  it('keeps the last owner', async () => {
    const tenant = await aTenant(api)
    const problem = await expectStatus(
      await api.request('PATCH', `/v1/orgs/${tenant.org}/members/${tenant.email}`, {
        as: tenant.owner,
        body: { role: 'admin' },
      }),
      409,
    )
    expect(problem.detail).toContain('at least one owner')
  })

  it('lets only owners make owners', async () => {
    const tenant = await aTenant(api)
    const admin = await aMember(api, tenant, 'admin')
    const developer = await aMember(api, tenant, 'developer')
    await expectStatus(
      await api.request('PATCH', `/v1/orgs/${tenant.org}/members/${developer.email}`, {
        as: admin,
        body: { role: 'owner' },
      }),
      403,
    )
    await expectStatus(
      await api.request('PATCH', `/v1/orgs/${tenant.org}/members/${developer.email}`, {
        as: tenant.owner,
        body: { role: 'owner' },
      }),
      200,
    )
  })

  it('removes a member, who then no longer sees the org', async () => {
    const tenant = await aTenant(api)
    const viewer = await aMember(api, tenant, 'viewer')
    await expectStatus(await api.request('GET', `/v1/orgs/${tenant.org}`, { as: viewer }), 200)
    await expectStatus(
      await api.request('DELETE', `/v1/orgs/${tenant.org}/members/${viewer.email}`, {
        as: tenant.owner,
      }),
      204,
    )
    await expectStatus(await api.request('GET', `/v1/orgs/${tenant.org}`, { as: viewer }), 404)
  })
})

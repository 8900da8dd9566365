import { expectAnswer } from '@fjord/testing/answers'
import { aMember, aPassword, aTenant, type Tenant, withCluster } from '@fjord/testing/tenants'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConsole, type Console, expectAccessible, logIn } from './support.ts'

let web: Console

/** `expect.poll` with room for a loaded CI machine (its default gives up after 1 s). */
const until = <T>(value: () => T | Promise<T>, message?: string) =>
  expect.poll(value, { timeout: 15_000, ...(message && { message }) })

/** The org the viewer was invited to, its viewer (who owns an org of their own), a stranger. */
let tenant: Tenant
let viewer: Tenant
let stranger: Tenant
let strangersCluster: string

beforeAll(async () => {
  web = await aConsole()
  const { api } = web.product
  ;[tenant, viewer, stranger] = await Promise.all([aTenant(api), aTenant(api), aTenant(api)])
  const invitation = await expectAnswer(
    web.product.as(tenant.owner).POST('/v1/orgs/{org}/invitations', {
      params: { path: { org: tenant.org } },
      body: { email: viewer.email, role: 'viewer' },
    }),
    201,
  )
  await expectAnswer(
    web.product.as(viewer.owner).POST('/v1/invitations/accept', {
      body: { token: invitation.token },
    }),
    200,
  )
  strangersCluster = await withCluster(api, stranger)
})
afterAll(() => web?.stop())

async function loggedInAsViewer(): Promise<Page> {
  const page = await web.newPage()
  await logIn(page, { email: viewer.email, password: aPassword })
  return page
}

/** A control the role does not allow: there, disabled, and its reason shown on hover and focus. */
async function expectDisabledWithReason(page: Page, button: Locator, reason: string) {
  await until(() => button.isVisible()).toBe(true)
  expect(await button.isDisabled()).toBe(true)
  const anchor = button.locator('xpath=..')
  await anchor.hover()
  await until(() => page.getByRole('tooltip').textContent()).toContain(reason)
  // Away, as a hand moves (Radix closes on the move after the pointer left the trigger).
  const away = page.getByRole('heading', { level: 1 })
  await away.hover({ position: { x: 2, y: 2 } })
  await away.hover({ position: { x: 8, y: 4 } })
  await until(() => page.getByRole('tooltip').count()).toBe(0)
  await anchor.focus()
  await until(() => page.getByRole('tooltip').textContent()).toContain(reason)
  await anchor.blur()
}

/** A write sent from the page's own session, as a script would forge it: cookie and CSRF header. */
function forcedWrite(page: Page, path: string, body: unknown) {
  return page.evaluate(
    async ({ path, body }) => {
      const csrf = document.cookie
        .split('; ')
        .find((part) => part.startsWith('fjord_csrf='))
        ?.slice('fjord_csrf='.length)
      const response = await fetch(path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-csrf-token': decodeURIComponent(csrf ?? ''),
        },
        body: JSON.stringify(body),
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    },
    { path, body },
  )
}

describe('roles and tenancy in the console', () => {
  it('shows a viewer the write actions disabled, with the reason in a tooltip', async () => {
    const page = await loggedInAsViewer()
    const reason = 'Your role (viewer) does not allow this'
    await page.goto(`/orgs/${tenant.org}/clusters`)
    await until(() => page.getByRole('combobox', { name: 'Organization' }).inputValue()).toBe(
      tenant.org,
    )
    await expectDisabledWithReason(
      page,
      page.getByRole('button', { name: 'Create cluster' }).first(),
      reason,
    )

    await page.getByRole('link', { name: 'Members' }).click()
    const owner = page.getByTestId('member').filter({ hasText: tenant.email })
    await until(() => owner.textContent()).toContain('owner')
    await expectDisabledWithReason(
      page,
      page.getByRole('button', { name: 'Invite', exact: true }),
      reason,
    )
    await expectDisabledWithReason(
      page,
      owner.getByRole('button', { name: `Remove ${tenant.email}` }),
      reason,
    )
    expect(await owner.getByRole('button', { name: /^Change role/ }).isDisabled()).toBe(true)
    await until(() =>
      page.getByText('Only admins and owners see the pending invitations').count(),
    ).toBe(1)
    await expectAccessible(page)

    await page.getByRole('link', { name: 'API keys' }).click()
    await expectDisabledWithReason(
      page,
      page.getByRole('button', { name: 'Create API key' }),
      reason,
    )
    await until(() =>
      page.getByText("Only admins and owners see the organization's API keys").count(),
    ).toBe(1)
    await expectAccessible(page)
  })

  it("refuses a viewer's forced write with 403 forbidden", async () => {
    const page = await loggedInAsViewer()
    await page.goto(`/orgs/${tenant.org}/members`)
    await until(() => page.getByTestId('member').count()).toBeGreaterThan(0)
    const invite = { email: 'forced@example.com', role: 'viewer' }
    // The same session and CSRF token may write where its role allows: its own org.
    expect(await forcedWrite(page, `/v1/orgs/${viewer.org}/invitations`, invite)).toMatchObject({
      status: 201,
    })
    for (const [path, body] of [
      [`/v1/orgs/${tenant.org}/invitations`, invite],
      [`/v1/orgs/${tenant.org}/clusters`, { name: 'forced', type: 'shared', region: 'local' }],
    ] as const) {
      expect(await forcedWrite(page, path, body), path).toMatchObject({
        status: 403,
        body: { code: 'forbidden' },
      })
    }
  })

  it("shows another org's URLs as not found", async () => {
    const page = await loggedInAsViewer()
    for (const path of [
      `/orgs/${stranger.org}/clusters`,
      `/orgs/${stranger.org}/members`,
      `/orgs/${stranger.org}/api-keys`,
      `/orgs/${stranger.org}/clusters/${strangersCluster}`,
      `/orgs/${tenant.org}/clusters/${strangersCluster}`,
    ]) {
      await page.goto(path)
      await until(() => page.getByTestId('not-found').isVisible(), path).toBe(true)
      expect(await page.getByText(stranger.email).count(), path).toBe(0)
    }
  })

  it("shows the API's problem when an admin asks for a key above their role", async () => {
    const admin = await aMember(web.product.api, tenant, 'admin')
    const page = await web.newPage()
    await logIn(page, { email: admin.email, password: aPassword })
    await page.goto(`/orgs/${tenant.org}/api-keys`)
    await page.getByLabel('Name').fill('too-mighty')
    await page.getByLabel('Role').selectOption('owner')
    await page.getByRole('button', { name: 'Create API key' }).click()
    await until(() => page.getByRole('alert').textContent()).toContain(
      'a key cannot have more rights (owner)',
    )
    expect(await page.getByTestId('secret').count()).toBe(0)
    await until(() => page.getByText('No API key yet').isVisible()).toBe(true)
  })
})

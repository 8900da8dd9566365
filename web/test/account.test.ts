import { uniqueName } from '@fjord/testing/names'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  aConsole,
  type Console,
  expectAccessible,
  logIn,
  password,
  screenshots,
  signUp,
} from './support.ts'

let web: Console

/** `expect.poll` with room for a loaded CI machine (its default gives up after 1 s). */
const until = <T>(value: () => T | Promise<T>, message?: string) =>
  expect.poll(value, { timeout: 15_000, ...(message && { message }) })

beforeAll(async () => {
  web = await aConsole()
})
afterAll(() => web?.stop())

const visible = (page: Page, testId: string, text: string) => () =>
  page.getByTestId(testId).filter({ hasText: text }).isVisible()

/** What a bearer token gets from `/v1/me`, from outside the browser (no cookie). */
async function meWith(token: string) {
  const response = await fetch(`${web.url}/v1/me`, {
    headers: { authorization: `Bearer ${token}` },
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('the account pages', () => {
  it('changes the password, signing out the other sessions, and logs in with the new one', async () => {
    const page = await web.newPage()
    const user = await signUp(page, 'acct')
    const elsewhere = await web.newPage()
    await logIn(elsewhere, user)

    await page.getByRole('link', { name: user.email }).click()
    await page.waitForURL('**/account')
    const membership = page.getByRole('row').filter({ hasText: user.org })
    await until(() => membership.textContent()).toContain('owner')
    await expectAccessible(page)
    await screenshots(page, 'account')

    const newPassword = 'another long enough password'
    await page.getByLabel('Current password').fill('not my password')
    await page.getByLabel('New password', { exact: true }).fill(newPassword)
    await page.getByLabel('New password, again').fill(newPassword)
    await page.getByRole('button', { name: 'Change password' }).click()
    await until(() => page.getByRole('alert').textContent()).toContain(
      'The current password is wrong',
    )
    await page.getByLabel('Current password').fill(password)
    await page.getByRole('button', { name: 'Change password' }).click()
    await until(() => page.getByText('Password changed.').isVisible()).toBe(true)

    // This session goes on; the other one is signed out.
    await page.reload()
    await until(() => membership.isVisible()).toBe(true)
    await elsewhere.reload()
    await elsewhere.waitForURL('**/login?**')

    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL('**/login')
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Log in' }).click()
    await until(() => page.getByRole('alert').isVisible()).toBe(true)
    await logIn(page, { email: user.email, password: newPassword })
    expect(new URL(page.url()).pathname).toBe(`/orgs/${user.org}/clusters`)
  })

  it('creates a second organization and switches between the two', async () => {
    const page = await web.newPage()
    const user = await signUp(page, 'acct')
    await page.getByRole('link', { name: 'New organization' }).click()
    await page.waitForURL('**/orgs/new')
    await expectAccessible(page)

    const name = page.getByLabel('Name', { exact: true })
    await name.fill('9lives')
    await until(() => page.getByText('starts with a letter').isVisible()).toBe(true)
    // A taken name is the API's problem, shown on the form.
    await name.fill(user.org)
    await page.getByRole('button', { name: 'Create organization' }).click()
    await until(() => page.getByRole('alert').textContent()).toContain(user.org)

    const second = uniqueName('second')
    await name.fill(second)
    await page.getByLabel('Display name').fill('The second one')
    await page.getByRole('button', { name: 'Create organization' }).click()
    await page.waitForURL(`**/orgs/${second}/clusters`)

    const switcher = page.getByRole('combobox', { name: 'Organization' })
    await until(() => switcher.inputValue()).toBe(second)
    await switcher.selectOption(user.org)
    await page.waitForURL(`**/orgs/${user.org}/clusters`)
    await switcher.selectOption(second)
    await page.waitForURL(`**/orgs/${second}/clusters`)
  })

  it('invites a developer by email, who signs up from the link, accepts, and is a member', async () => {
    const owner = await web.newPage()
    const user = await signUp(owner, 'acct')
    await owner.getByRole('link', { name: 'Members' }).click()
    await owner.waitForURL('**/members')
    await until(visible(owner, 'member', `${user.email} (you)`)).toBe(true)

    const inviteeEmail = `${uniqueName('invitee')}@example.com`
    await owner.getByLabel('Email', { exact: true }).fill(inviteeEmail)
    await owner.getByLabel('Role', { exact: true }).selectOption('developer')
    await owner.getByRole('button', { name: 'Invite', exact: true }).click()
    const link = (await owner.getByTestId('secret').textContent()) ?? ''
    expect(link).toMatch(/\/invitations\/accept\?token=/)
    await until(visible(owner, 'invitation', inviteeEmail)).toBe(true)

    // The invitee has no account yet: the link leads through log-in to sign-up, and back.
    const invitee = await web.newPage()
    await invitee.goto(link)
    await invitee.waitForURL('**/login?**')
    await invitee.getByRole('link', { name: 'Create an account' }).click()
    await invitee.waitForURL('**/signup?**')
    await invitee.getByLabel('Email').fill(inviteeEmail)
    await invitee.getByLabel('Password').fill(password)
    await invitee.getByLabel('Organization').fill(uniqueName('own'))
    await invitee.getByRole('button', { name: 'Sign up' }).click()
    await invitee.waitForURL('**/invitations/accept?**')
    await until(() => invitee.getByRole('main').textContent()).toContain(
      `You are invited to join ${user.org} as developer`,
    )
    await expectAccessible(invitee)
    await invitee.getByRole('button', { name: 'Accept invitation' }).click()
    await invitee.waitForURL(`**/orgs/${user.org}/clusters`)
    await until(() => invitee.getByRole('combobox', { name: 'Organization' }).inputValue()).toBe(
      user.org,
    )

    await owner.reload()
    const row = owner.getByTestId('member').filter({ hasText: inviteeEmail })
    await until(() => row.textContent()).toContain('developer')
    await until(() => owner.getByTestId('invitation').count()).toBe(0)

    // The last owner stays: the API's problem shows in the dialog.
    await owner.getByRole('button', { name: `Change role of ${user.email}` }).click()
    const dialog = owner.getByRole('dialog')
    await dialog.getByLabel('Role', { exact: true }).selectOption('admin')
    await dialog.getByRole('button', { name: 'Change role' }).click()
    await until(() => dialog.getByRole('alert').textContent()).toContain('keeps at least one owner')
    await dialog.getByRole('button', { name: 'Cancel' }).click()

    await owner.getByRole('button', { name: `Change role of ${inviteeEmail}` }).click()
    await dialog.getByLabel('Role', { exact: true }).selectOption('viewer')
    await dialog.getByRole('button', { name: 'Change role' }).click()
    await until(() => row.textContent()).toContain('viewer')

    await owner.getByLabel('Email', { exact: true }).fill(`${uniqueName('ops')}@example.com`)
    await owner.getByLabel('Role', { exact: true }).selectOption('admin')
    await owner.getByRole('button', { name: 'Invite', exact: true }).click()
    await until(() => owner.getByTestId('invitation').count()).toBe(1)
    await expectAccessible(owner)
    await screenshots(owner, 'members')

    await owner.getByRole('button', { name: `Remove ${inviteeEmail}` }).click()
    await dialog.getByRole('button', { name: 'Remove member' }).click()
    await until(() => row.count()).toBe(0)
  })

  it('creates an API key whose secret, shown once, works until it is revoked', async () => {
    const page = await web.newPage()
    const user = await signUp(page, 'acct')
    await page.goto(`/orgs/${user.org}/api-keys`)
    await until(() => page.getByText('No API key yet').isVisible()).toBe(true)

    await page.getByLabel('Name').fill('ci-deploy')
    await page.getByLabel('Role', { exact: true }).selectOption('developer')
    await page.getByRole('button', { name: 'Create API key' }).click()
    const token = (await page.getByTestId('secret').textContent()) ?? ''
    expect(token).toMatch(/^fjord_/)
    await until(() => page.getByTestId('api-key-created').textContent()).toContain(
      `Authorization: Bearer ${token}`,
    )

    const me = await meWith(token)
    expect(me).toMatchObject({
      status: 200,
      body: { kind: 'api_key', apiKey: { name: 'ci-deploy', role: 'developer' } },
    })

    const row = page.getByTestId('api-key').filter({ hasText: 'ci-deploy' })
    await until(() => row.textContent()).toContain('developer')
    await expectAccessible(page)
    await screenshots(page, 'api-keys')

    // Shown once: not after a reload, where the key is its prefix, and it was used.
    await page.reload()
    await until(() => row.textContent()).toContain(token.slice(0, 8))
    expect(await page.getByTestId('secret').count()).toBe(0)
    expect(await row.textContent()).not.toContain('never')

    await row.getByRole('button', { name: 'Revoke ci-deploy' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Type ci-deploy to confirm').fill('ci-deploy')
    await dialog.getByRole('button', { name: 'Delete API key' }).click()
    await until(() => row.count()).toBe(0)
    expect((await meWith(token)).status).toBe(401)
  })
})

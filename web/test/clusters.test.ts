import { expectAnswer } from '@fjord/testing/answers'
import { aMember, aPassword, aTenant, type Tenant, withCluster } from '@fjord/testing/tenants'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConsole, type Console, expectAccessible, logIn, screenshots } from './support.ts'

// Clusters in the console, on the stack: the operator in aConsole() makes a shared cluster
// Ready, and the overview shows what a client needs to reach it.

/** How long the page may take to show what the API says, on a busy CI machine. */
const soon = { timeout: 10_000 }
let web: Console
let tenant: Tenant

beforeAll(async () => {
  web = await aConsole()
  tenant = await aTenant(web.product.api)
})
afterAll(() => web?.stop())

async function loggedIn(user: { email: string }): Promise<Page> {
  const page = await web.newPage()
  await logIn(page, { email: user.email, password: aPassword })
  return page
}

/** A control the role does not allow: there, disabled, and its reason in a tooltip on focus. */
async function expectDisabledWithReason(page: Page, button: Locator, reason: string) {
  await expect.poll(() => button.isVisible(), soon).toBe(true)
  expect(await button.isDisabled()).toBe(true)
  // In view first: Radix closes a tooltip when its trigger scrolls, as focus() scrolls it.
  await button.scrollIntoViewIfNeeded()
  await button.locator('xpath=..').focus()
  await expect.poll(() => page.getByRole('tooltip').textContent(), soon).toContain(reason)
  await button.locator('xpath=..').blur()
}

describe('clusters in the console', () => {
  it('creates a shared cluster from the empty list, and shows it Ready with what clients need', async () => {
    const page = await loggedIn(tenant)
    await page.goto(`/orgs/${tenant.org}/clusters`)
    await expect.poll(() => page.getByText('No cluster yet').isVisible(), soon).toBe(true)
    await page.getByRole('button', { name: 'Create your first cluster' }).click()

    const dialog = page.getByRole('dialog', { name: 'Create a cluster' })
    // Free plan: shared only, and the dialog says why dedicated is not offered.
    expect(await dialog.getByRole('radio', { name: /Shared/ }).isChecked()).toBe(true)
    await expect
      .poll(() => dialog.getByRole('radio', { name: /Dedicated/ }).isDisabled(), soon)
      .toBe(true)
    expect(await dialog.textContent()).toContain('Not on the free plan')
    await dialog.getByLabel('Name').fill('Shop_1')
    await expect
      .poll(
        () => dialog.getByText('Lowercase letters, digits and dashes;').first().isVisible(),
        soon,
      )
      .toBe(true)
    await dialog.getByLabel('Name').fill('shop')
    expect(await dialog.textContent()).toContain(`Kafka prefix: ${tenant.org}-shop.`)
    await expectAccessible(page)
    await dialog.getByRole('button', { name: 'Create cluster' }).click()

    await page.waitForURL(`**/orgs/${tenant.org}/clusters/shop`)
    const prefix = `${tenant.org}-shop.`
    expect(await page.getByTestId('kafka-prefix').textContent()).toBe(prefix)
    // Live status: the page itself follows the cluster to Ready.
    await expect
      .poll(() => page.getByTestId('bootstrap-servers').count(), { timeout: 90_000 })
      .toBe(1)
    const main = page.getByRole('main')
    await expect
      .poll(() => main.getByText('Ready', { exact: true }).count(), soon)
      .toBeGreaterThan(0)
    const bootstrap = await page.getByTestId('bootstrap-servers').textContent()
    expect(bootstrap).toMatch(/:\d+/)
    const cluster = await expectAnswer(
      web.product.as(tenant.owner).GET('/v1/orgs/{org}/clusters/{cluster}', {
        params: { path: { org: tenant.org, cluster: 'shop' } },
      }),
      200,
    )
    expect(bootstrap).toBe(cluster.bootstrapServers)
    expect(await page.getByRole('table', { name: 'Conditions' }).textContent()).toContain('Ready')

    // Each client's snippet logs in with SCRAM and names topics with the prefix.
    for (const [tab, expected] of [
      ['kcat', `sasl.mechanisms=SCRAM-SHA-512`],
      ['Java', 'ScramLoginModule required username="'],
      ['Node.js', "mechanism: 'SCRAM-SHA-512'"],
      ['Python', '"sasl.mechanism": "SCRAM-SHA-512"'],
    ] as const) {
      await page.getByRole('tab', { name: tab }).click()
      const panel = page.getByRole('tabpanel', { name: tab })
      await expect.poll(() => panel.textContent(), soon).toContain(expected)
      expect(await panel.textContent()).toContain(`${prefix}orders`)
      expect(await panel.textContent()).toContain(bootstrap)
    }
    await page.getByRole('tab', { name: 'kcat' }).click()
    await expectAccessible(page)
    await screenshots(page, 'cluster')

    await page.getByRole('link', { name: 'Clusters', exact: true }).first().click()
    const row = page.getByRole('row').filter({ hasText: 'shop' })
    await expect.poll(() => row.textContent(), soon).toContain(bootstrap)
    expect(await row.textContent()).toContain('Ready')
    await expectAccessible(page)
    await screenshots(page, 'clusters')
  })

  it('offers dedicated clusters on a plan that has them', async () => {
    const other = await aTenant(web.product.api)
    await expectAnswer(
      web.product.as(other.owner).PATCH('/v1/orgs/{org}', {
        params: { path: { org: other.org } },
        body: { plan: 'startup' },
      }),
      200,
    )
    const page = await loggedIn(other)
    await page.goto(`/orgs/${other.org}/clusters`)
    await page.getByRole('button', { name: 'Create cluster' }).click()
    const dialog = page.getByRole('dialog', { name: 'Create a cluster' })
    const dedicated = dialog.getByRole('radio', { name: /Dedicated/ })
    await expect.poll(() => dedicated.isEnabled(), soon).toBe(true)
    await dedicated.check()
    expect(await dialog.getByLabel('Provider').inputValue()).toBe('kubernetes')
    expect(await dialog.textContent()).toContain('Included in your startup plan')
  })

  it('deletes a cluster only once its name is typed', async () => {
    const owner = await aTenant(web.product.api)
    const name = await withCluster(web.product.api, owner)
    const page = await loggedIn(owner)
    await page.goto(`/orgs/${owner.org}/clusters/${name}`)
    await page.getByRole('button', { name: 'Delete cluster' }).click()
    const dialog = page.getByRole('dialog', { name: `Delete cluster ${name}` })
    const confirm = dialog.getByRole('button', { name: 'Delete cluster' })
    expect(await confirm.isDisabled()).toBe(true)
    await dialog.getByLabel(`Type ${name} to confirm`).fill(name.slice(0, -1))
    expect(await confirm.isDisabled()).toBe(true)
    await dialog.getByLabel(`Type ${name} to confirm`).fill(name)
    await confirm.click()
    await page.waitForURL(`**/orgs/${owner.org}/clusters`)
    // Deleting, then gone, as the provisioner lets go of it.
    await expect
      .poll(async () => {
        if (await page.getByText('No cluster yet').isVisible()) return 'gone'
        const row = page.getByRole('row').filter({ hasText: name })
        return (await row.count()) > 0 ? row.textContent() : 'not shown yet'
      }, soon)
      .toMatch(/Deleting|gone/)
    const answer = await web.product.as(owner.owner).GET('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: { org: owner.org, cluster: name } },
    })
    expect([202, 200, 404]).toContain(answer.response.status)
    if (answer.data) expect(answer.data.status.phase).toBe('Deleting')
  })

  it('shows a viewer Create and Delete disabled, with the reason in a tooltip', async () => {
    const owner = await aTenant(web.product.api)
    const name = await withCluster(web.product.api, owner)
    const viewer = await aMember(web.product.api, owner, 'viewer')
    const page = await loggedIn(viewer)
    const reason = 'Your role (viewer) does not allow this'
    await page.goto(`/orgs/${owner.org}/clusters`)
    await expectDisabledWithReason(
      page,
      page.getByRole('button', { name: 'Create cluster' }),
      reason,
    )
    await page.getByRole('link', { name }).click()
    await expectDisabledWithReason(
      page,
      page.getByRole('button', { name: 'Delete cluster' }),
      reason,
    )
  })
})

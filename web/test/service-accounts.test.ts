import { expectAnswer } from '@fjord/testing/answers'
import { kcatWithProperties } from '@fjord/testing/kcat'
import { ready } from '@fjord/testing/shop'
import { aPassword, aTenant } from '@fjord/testing/tenants'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConsole, type Console, expectAccessible, logIn, screenshots } from './support.ts'

// Service accounts in the console on the whole product: the ACLs saved in the browser reach
// Kafka, and the client configuration the console shows once logs kcat in as it is.

let web: Console
beforeAll(async () => {
  web = await aConsole()
})
afterAll(() => web?.stop())

const wait = { wait: 'true' } as const

/** A tenant with a Ready cluster `main` and topic `orders`, logged in on a page. */
async function aTenantWithATopic() {
  const tenant = await aTenant(web.product.api)
  const owner = web.product.as(tenant.owner)
  const main = { org: tenant.org, cluster: 'main' }
  await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: main, query: wait },
      body: { type: 'shared' },
    }),
  )
  await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
      params: { path: { ...main, topic: 'orders' }, query: wait },
      body: { partitions: 1 },
    }),
  )
  const page = await web.newPage()
  await logIn(page, { email: tenant.email, password: aPassword })
  return { tenant, owner, main, page, prefix: `${tenant.org}-main.` }
}

const aclRow = (page: Page, n: number) => page.getByRole('listitem', { name: `ACL ${n}` })

describe('service accounts in the console', () => {
  it('creates an account with ACLs and a credential whose shown configuration kcat logs in with, then revokes it', async () => {
    const { owner, main, page, prefix } = await aTenantWithATopic()
    await page.goto(`/orgs/${main.org}/clusters/main/service-accounts`)
    await page.getByText('No service accounts yet.').waitFor()

    await page.getByRole('button', { name: 'New service account' }).click()
    const dialog = page.getByRole('dialog', { name: 'New service account' })
    await dialog.getByLabel('Name').fill('Billing')
    expect(await dialog.getByText(/2 to 40 lowercase letters/).count()).toBe(1)
    await dialog.getByLabel('Name').fill('billing')
    await dialog.getByLabel('Description').fill('The billing service')
    await expectAccessible(page)
    await dialog.getByRole('button', { name: 'Create service account' }).click()
    await page.waitForURL('**/service-accounts/billing')

    // A consumer of orders in billing-readers, by the shortcut; then write on the topic too.
    await page.getByText('Add ACLs for a producer or a consumer').click()
    await page.getByLabel('The client is a').selectOption('consumer')
    await page.getByLabel('Topic', { exact: true }).fill('orders')
    await page.getByLabel('Consumer group').fill('billing-readers')
    await page.getByRole('button', { name: 'Add these ACLs' }).click()
    expect(await aclRow(page, 1).getByLabel('Name').inputValue()).toBe('orders')
    expect(await aclRow(page, 1).getByText(`In Kafka: ${prefix}orders`).count()).toBe(1)
    expect(await aclRow(page, 2).getByLabel('Resource').inputValue()).toBe('group')
    await aclRow(page, 1).getByRole('checkbox', { name: 'write' }).check()

    // A row left empty is said beside it before anything is sent.
    await page.getByRole('button', { name: 'Add an ACL' }).click()
    await page.getByRole('button', { name: 'Save ACLs' }).click()
    expect(await aclRow(page, 3).getByText('Name the resource').count()).toBe(1)
    expect(await aclRow(page, 3).getByText('Pick at least one operation').count()).toBe(1)
    await page.getByRole('button', { name: 'Remove ACL 3' }).click()

    await page.getByRole('button', { name: 'Save ACLs' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()
    const account = await expectAnswer(
      owner.GET('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
        params: { path: { ...main, serviceAccount: 'billing' } },
      }),
      200,
    )
    expect(account.acls).toEqual([
      {
        resourceType: 'topic',
        patternType: 'literal',
        name: 'orders',
        operations: ['read', 'write', 'describe'],
      },
      {
        resourceType: 'group',
        patternType: 'literal',
        name: 'billing-readers',
        operations: ['read'],
      },
    ])
    const status = page.getByRole('heading', { name: 'billing' }).locator('..')
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/Ready/)
    await expectAccessible(page)

    await page.getByRole('button', { name: 'Create credential' }).click()
    const issued = page.getByTestId('issued-credential')
    const password = await issued.getByTestId('secret').textContent()
    const config = await issued.getByTestId('config-kcat').textContent()
    expect(password).toMatch(/^\S{20,}$/)
    expect(config).toContain(`sasl.password=${password}\n`)
    expect(config).toContain(`sasl.username=${prefix}billing\n`)
    for (const tab of ['Java', 'Node', 'Python']) {
      await issued.getByRole('tab', { name: tab }).click()
      const shown = await issued.getByTestId(`config-${tab.toLowerCase()}`).textContent()
      expect(shown, tab).toContain(password)
    }
    await expectAccessible(page)
    // The whole page, the password shown once included, for the docs.
    await issued.getByRole('tab', { name: 'kcat' }).click()
    await page.setViewportSize({ width: 1280, height: 1650 })
    await page.evaluate(() => window.scrollTo(0, 0))
    await screenshots(page, 'service-account')
    await page.setViewportSize({ width: 1280, height: 800 })

    // Exactly the configuration shown: produce to the topic, consume it in the group.
    const topic = `${prefix}orders`
    const produced = await kcatWithProperties(
      config ?? '',
      ['-P', '-t', topic],
      'from the console\n',
    )
    expect(produced, produced.stderr).toMatchObject({ code: 0, stderr: '' })
    const consumed = await kcatWithProperties(config ?? '', [
      ...['-C', '-t', topic, '-o', 'beginning', '-e', '-q'],
      ...['-X', `group.id=${prefix}billing-readers`],
    ])
    expect(consumed, consumed.stderr).toMatchObject({ code: 0, stdout: 'from the console\n' })

    // The password is shown once: not after a reload, and the list has no secret.
    await page.reload()
    const credentialRow = page.getByTestId('credential-row')
    await credentialRow.waitFor()
    expect(await page.getByTestId('issued-credential').count()).toBe(0)
    expect(await page.content()).not.toContain(password)

    await credentialRow.getByRole('button', { name: /Revoke/ }).click()
    const revoke = page.getByRole('dialog', { name: 'Revoke the credential?' })
    await revoke.getByRole('button', { name: 'Revoke credential' }).click()
    await page.getByText('No credential yet').waitFor()
    await expect
      .poll(async () => (await kcatWithProperties(config ?? '', ['-L', '-m', '5'])).code, {
        timeout: 30_000,
        interval: 1_000,
      })
      .not.toBe(0)

    await page.getByRole('link', { name: 'Service accounts' }).first().click()
    const listed = page.getByTestId('account-billing')
    await expect.poll(() => listed.textContent()).toMatch(/topic:orders:read,write,describe/)
    expect(await listed.textContent()).toMatch(/group:billing-readers:read/)
    await expectAccessible(page)
    await screenshots(page, 'service-accounts')
  })

  it('does not overwrite ACLs someone else saved meanwhile (If-Match)', async () => {
    const { owner, main, page } = await aTenantWithATopic()
    const path = { ...main, serviceAccount: 'shop' }
    await ready(
      owner.PUT('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
        params: { path, query: wait },
        body: { acls: [{ resourceType: 'topic', name: 'orders', operations: ['read'] }] },
      }),
    )
    await page.goto(`/orgs/${main.org}/clusters/main/service-accounts/shop`)
    await aclRow(page, 1).getByRole('checkbox', { name: 'write' }).check()

    await expectAnswer(
      owner.PATCH('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
        params: { path },
        body: { acls: [{ resourceType: 'topic', name: 'orders', operations: ['describe'] }] },
      }),
      200,
    )
    await page.getByRole('button', { name: 'Save ACLs' }).click()
    await page.getByText('Someone changed these ACLs since you opened them.').waitFor()
    const kept = await expectAnswer(
      owner.GET('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
        params: { path },
      }),
      200,
    )
    expect(kept.acls.map((acl) => acl.operations)).toEqual([['describe']])

    await page.getByRole('button', { name: 'Load their ACLs (drops your changes)' }).click()
    await expect
      .poll(() =>
        aclRow(page, 1).getByRole('checkbox', { name: 'describe', exact: true }).isChecked(),
      )
      .toBe(true)
    expect(await aclRow(page, 1).getByRole('checkbox', { name: 'write' }).isChecked()).toBe(false)
  })
})

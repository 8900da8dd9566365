import { kcatWithProperties } from '@fjord/testing/kcat'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConsole, type Console, signUp } from './support.ts'

// The promise, in one browser session on the real product: from sign-up to a message
// produced in the console, read back with kcat using the credential the console showed, and
// the usage the operator metered. Every step goes through the console's pages.

let web: Console

beforeAll(async () => {
  web = await aConsole({ meteringIntervalMs: 2_000 })
})
afterAll(() => web?.stop())

const provisioning = { timeout: 90_000 }

describe('a startup in the console', () => {
  it('signs up, makes a cluster, a topic from a preset and a service account, produces a message and sees it, reads it with kcat, and sees usage', async () => {
    const page = await web.newPage()

    // 1. Sign up.
    const { org } = await signUp(page, 'journey')

    // 2. A cluster, from the empty list.
    await page.getByRole('button', { name: 'Create your first cluster' }).click()
    const create = page.getByRole('dialog', { name: 'Create a cluster' })
    await create.getByLabel('Name').fill('main')
    await create.getByRole('button', { name: 'Create cluster' }).click()
    await page.waitForURL(`**/orgs/${org}/clusters/main`)
    await expect.poll(() => page.getByTestId('bootstrap-servers').count(), provisioning).toBe(1)
    const prefix = await page.getByTestId('kafka-prefix').textContent()
    expect(prefix).toBe(`${org}-main.`)

    // 3. A topic from a preset.
    await page.getByRole('link', { name: 'Topics', exact: true }).first().click()
    await page.getByRole('button', { name: 'Create topic' }).click()
    await page.getByRole('radio', { name: /Event log/ }).check()
    await page.getByLabel('Name').fill('orders')
    await page.getByRole('button', { name: 'Create topic' }).click()
    await page.waitForURL('**/topics/orders')
    const title = page.getByRole('heading', { name: /^orders/ })
    await expect.poll(() => title.textContent(), provisioning).toContain('Ready')

    // 4. A service account that may write and read the topic, and its credential.
    await page.getByRole('link', { name: 'Service accounts', exact: true }).first().click()
    await page.getByRole('button', { name: 'New service account' }).click()
    const account = page.getByRole('dialog', { name: 'New service account' })
    await account.getByLabel('Name').fill('shop')
    await account.getByRole('button', { name: 'Create service account' }).click()
    await page.waitForURL('**/service-accounts/shop')
    await page.getByText('Add ACLs for a producer or a consumer').click()
    await page.getByLabel('The client is a').selectOption('consumer')
    await page.getByLabel('Topic', { exact: true }).fill('orders')
    await page.getByLabel('Consumer group').fill('billing')
    await page.getByRole('button', { name: 'Add these ACLs' }).click()
    await page.getByRole('button', { name: 'Save ACLs' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()
    const heading = page.getByRole('heading', { name: 'shop' }).locator('..')
    await expect.poll(() => heading.textContent(), provisioning).toMatch(/Ready/)
    await page.getByRole('button', { name: 'Create credential' }).click()
    const config = await page
      .getByTestId('issued-credential')
      .getByTestId('config-kcat')
      .textContent()
    expect(config).toContain(`sasl.username=${prefix}shop`)

    // 5. A message produced in the console, and seen in the browser.
    await page.goto(`/orgs/${org}/clusters/main/topics/orders/messages`)
    await page.getByRole('button', { name: 'Produce message' }).click()
    const produce = page.getByRole('dialog')
    await produce.getByLabel('Key').fill('first')
    await produce.getByLabel('Value').fill('hello from the console')
    await produce.getByRole('button', { name: 'Produce', exact: true }).click()
    await page.getByRole('status').filter({ hasText: 'Written to partition' }).waitFor()
    await expect
      .poll(() => page.getByTestId('message-value').allTextContents())
      .toContain('hello from the console')

    // 6. The same message, read with kcat as the service account the console made.
    const consumed = await kcatWithProperties(config ?? '', [
      ...['-C', '-t', `${prefix}orders`, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n'],
      ...['-X', `group.id=${prefix}billing`],
    ])
    expect(consumed, consumed.stderr).toMatchObject({
      code: 0,
      stdout: 'first=hello from the console\n',
    })

    // 7. Usage: the operator's metering reaches the usage page.
    await page.goto(`/orgs/${org}/quotas/usage`)
    const partitions = page.getByTestId('chart-partitions').getByTestId('figure')
    await expect
      .poll(
        async () => {
          await page.reload()
          await partitions.waitFor()
          return partitions.textContent()
        },
        { timeout: 60_000, interval: 3_000 },
      )
      .not.toMatch(/^(0|—|)$/)
  })
})

import { expectAnswer, expectProblem } from '@fjord/testing/answers'
import { stackDatabase, startTestApi } from '@fjord/testing/api'
import { serveOnPort } from '@fjord/testing/http'
import { aGroupThatRead, aShop, lagLeft, produce, type Shop } from '@fjord/testing/shop'
import { aMember, aPassword, aTenant, withRoomyQuota } from '@fjord/testing/tenants'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowedConfigKeys } from '../src/pages/topics/rules.ts'
import { aConsole, type Console, expectAccessible, logIn, screenshots } from './support.ts'

// Topics in the console, on the stack: a tenant's shop (a Ready cluster `main` with a topic
// `orders` a group has read) on the product with its operator, so topics get Ready in Kafka.

/** How long the page may take to show what the API says, on a busy CI machine. */
const soon = { timeout: 10_000 }
let web: Console
let shop: Shop
/** What the group shop-readers left unread of orders. */
let lag: number

beforeAll(async () => {
  web = await aConsole()
  shop = await aShop(web.product)
  const produced = await produce(shop, [2, 1])
  lag = lagLeft(produced, await aGroupThatRead(shop, 'shop-readers', 2)).lag
})
afterAll(() => web?.stop())

async function loggedIn(user: { email: string }) {
  const page = await web.newPage()
  await logIn(page, { email: user.email, password: aPassword })
  return page
}

const rowOf = (page: Page, name: string) =>
  page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) })

async function expectDisabledWithReason(page: Page, button: Locator, reason: string) {
  await expect.poll(() => button.isVisible(), soon).toBe(true)
  expect(await button.isDisabled()).toBe(true)
  // In view first: Radix closes a tooltip when its trigger scrolls, as focus() scrolls it.
  await button.scrollIntoViewIfNeeded()
  await button.locator('xpath=..').focus()
  await expect.poll(() => page.getByRole('tooltip').textContent(), soon).toContain(reason)
  await button.locator('xpath=..').blur()
}

describe('topics in the console', () => {
  it('creates a topic from a preset, finds it, adds partitions and deletes it', async () => {
    const { org } = shop.tenant
    const page = await loggedIn(shop.tenant)
    await page.goto(`/orgs/${org}/clusters/main/topics`)
    await expect.poll(() => rowOf(page, 'orders').count(), soon).toBe(1)
    await page.getByRole('button', { name: 'Create topic' }).click()
    await page.waitForURL('**/topics?create=true')

    // A preset fills partitions and configs; each value is checked where it is typed.
    await page.getByRole('radio', { name: /IoT stream/ }).check()
    expect(await page.getByLabel('Partitions', { exact: true }).inputValue()).toBe('12')
    expect(await page.getByLabel('retention.ms', { exact: true }).inputValue()).toBe('86400000')
    expect(await page.getByLabel('compression.type', { exact: true }).inputValue()).toBe('lz4')
    await page.getByLabel('Name').fill('sensor readings')
    await expect
      .poll(() => page.getByText('May contain only letters, digits').isVisible(), soon)
      .toBe(true)
    await page.getByLabel('Name').fill('sensors')
    await page.getByLabel('retention.ms', { exact: true }).fill('soon')
    await expect.poll(() => page.getByText('Must be a whole number').isVisible(), soon).toBe(true)
    await page.getByLabel('retention.ms', { exact: true }).fill('86400000')

    // The API's dry run says what the quota says, before anything is created.
    await page.getByLabel('Partitions', { exact: true }).fill('31')
    const alert = page.getByRole('alert')
    await expect.poll(() => alert.textContent(), soon).toContain('partitions')
    expect(await alert.textContent()).toMatch(/In use\s*2.*Maximum\s*30/)
    await page.getByLabel('Partitions', { exact: true }).fill('12')
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'The API accepts it' }).count(), soon)
      .toBe(1)
    expect(await alert.count()).toBe(0)
    await expectAccessible(page)
    await page.evaluate(() => window.scrollTo(0, 0))
    await screenshots(page, 'topic-create')
    await page.getByRole('button', { name: 'Create topic' }).click()

    // Live status on the new topic's page, until Kafka has it.
    await page.waitForURL('**/topics/sensors')
    const title = page.getByRole('heading', { name: /^sensors/ })
    await expect.poll(() => title.textContent(), { timeout: 60_000 }).toBe('sensors Ready')
    const own = page.getByRole('table', { name: 'Configs set on this topic' })
    expect(await own.textContent()).toContain('retention.ms86400000 (1 d)')
    expect(await own.textContent()).toContain('compression.typelz4')
    expect(await own.textContent()).not.toContain('segment.bytes')
    await page.getByText("Kafka's defaults for the other").click()
    expect(await page.getByRole('table', { name: "Kafka's defaults" }).textContent()).toContain(
      'segment.bytes1073741824 (1 GiB)',
    )
    expect(await page.locator('.facts').textContent()).toContain(`Kafka name${shop.prefix}sensors`)
    await expectAccessible(page)
    await screenshots(page, 'topic')

    // The list has it; the search narrows it down.
    await page.getByRole('link', { name: 'Topics', exact: true }).first().click()
    await expect.poll(() => rowOf(page, 'sensors').count(), soon).toBe(1)
    expect(await rowOf(page, 'sensors').textContent()).toContain('1 d')
    expect(await rowOf(page, 'orders').textContent()).toContain('7 d (default)')
    await expectAccessible(page)
    await screenshots(page, 'topics')
    await page.getByRole('searchbox', { name: 'Search topics' }).fill('SENS')
    await expect.poll(() => rowOf(page, 'orders').count(), soon).toBe(0)
    expect(await rowOf(page, 'sensors').count()).toBe(1)
    expect(await page.getByText('1 of 2 topics match').count()).toBe(1)
    await page.waitForURL('**/topics?q=SENS')

    // Partitions only grow; the edit goes under If-Match.
    await rowOf(page, 'sensors').getByRole('link').click()
    await page.getByRole('button', { name: 'Edit' }).click()
    await page.waitForURL('**/topics/sensors?edit=true')
    await page.getByLabel('Partitions', { exact: true }).fill('11')
    await expect
      .poll(() => page.getByText('Kafka only adds partitions: at least 12').isVisible(), soon)
      .toBe(true)
    expect(await page.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true)
    await page.getByLabel('Partitions', { exact: true }).fill('14')
    await page.getByRole('button', { name: 'Remove compression.type' }).click()
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.waitForURL('**/topics/sensors')
    const facts = page.locator('.facts')
    await expect.poll(() => facts.textContent(), soon).toContain('Partitions14')
    const path = { org, cluster: 'main', topic: 'sensors' }
    const edited = await expectAnswer(
      shop.owner.GET('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
        params: { path },
      }),
      200,
    )
    expect(edited).toMatchObject({ partitions: 14, config: { 'retention.ms': '86400000' } })
    expect(edited.config['compression.type']).toBeUndefined()

    // Deleting takes the name typed out.
    await page.getByRole('button', { name: 'Delete' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete topic sensors' })
    const confirm = dialog.getByRole('button', { name: 'Delete topic' })
    expect(await confirm.isDisabled()).toBe(true)
    await dialog.getByLabel('Type sensors to confirm').fill('sensors')
    await confirm.click()
    await page.waitForURL((url) => url.pathname === `/orgs/${org}/clusters/main/topics`)
    await expect
      .poll(async () => {
        const row = rowOf(page, 'sensors')
        return (await row.count()) === 0 || (await row.textContent())?.includes('Deleting')
      }, soon)
      .toBe(true)
    await expectProblem(
      shop.owner.PATCH('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
        params: { path },
        body: { partitions: 20 },
      }),
      409,
    ).catch(async () => {
      // Or gone already, once Kafka let go of it.
      await expectProblem(
        shop.owner.GET('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', { params: { path } }),
        404,
      )
    })
  })

  it('lists the consumer groups reading a topic, linked to their page', async () => {
    const page = await loggedIn(shop.tenant)
    await page.goto(`/orgs/${shop.tenant.org}/clusters/main/topics/orders`)
    const groups = page.getByRole('region', { name: 'Consumer groups reading this topic' })
    const link = groups.getByRole('link', { name: 'shop-readers' })
    await expect.poll(() => link.count(), { timeout: 20_000 }).toBe(1)
    expect(await link.getAttribute('href')).toBe(
      `/orgs/${shop.tenant.org}/clusters/main/groups/shop-readers`,
    )
    const row = groups.getByRole('row').filter({ hasText: 'shop-readers' })
    expect(await row.getByRole('cell').last().textContent()).toBe(String(lag))
  })

  it('shows a viewer Create, Edit and Delete disabled, with the reason in a tooltip', async () => {
    const viewer = await aMember(web.product.api, shop.tenant, 'viewer')
    const page = await loggedIn(viewer)
    const reason = 'Your role (viewer) does not allow this'
    await page.goto(`/orgs/${shop.tenant.org}/clusters/main/topics`)
    await expectDisabledWithReason(page, page.getByRole('button', { name: 'Create topic' }), reason)
    await rowOf(page, 'orders').getByRole('link').click()
    for (const name of ['Edit', 'Delete']) {
      await expectDisabledWithReason(page, page.getByRole('button', { name, exact: true }), reason)
    }
    // The link to the messages, a viewer's to read, stays.
    expect(await page.getByRole('link', { name: 'Messages' }).getAttribute('href')).toBe(
      `/orgs/${shop.tenant.org}/clusters/main/topics/orders/messages`,
    )
  })

  it('allows the config keys the API allows', async () => {
    const problem = await expectProblem(
      shop.owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics', {
        params: { path: shop.main, query: { dryRun: 'true' } },
        body: { topics: [{ name: 'keys', partitions: 1, config: { 'no.such.key': '1' } }] },
      }),
      422,
    )
    const message = problem.errors?.find((e) => e.path === 'topics.0.config.no.such.key')?.message
    expect(message?.replace(/^.*allowed keys: /, '').split(', ')).toEqual(allowedConfigKeys)
  })

  it('loads a cluster of many topics page after page, draws only the rows in view, and searches them all', async () => {
    // An api of its own on the stack's PostgreSQL, with no provisioner: 800 topics (pages of
    // 200, 500 and 100) that never reach Kafka.
    const api = await startTestApi({ databaseUrl: await stackDatabase('fjord_web_topics') })
    const served = await serveOnPort(api.fetch)
    try {
      const tenant = await aTenant(api)
      await withRoomyQuota(api, tenant)
      const org = `/v1/orgs/${tenant.org}`
      const as = tenant.owner
      await api.request('POST', `${org}/clusters`, { as, body: { name: 'big', type: 'shared' } })
      const topics = Array.from({ length: 800 }, (_, i) => ({
        name: `t-${String(i).padStart(4, '0')}`,
        partitions: 1 + (i % 7),
      }))
      const answer = await api.request('PUT', `${org}/clusters/big/topics`, {
        as,
        body: { topics },
      })
      expect(answer.status).toBe(200)
      const context = await web.browser.newContext({ baseURL: served.url })
      const page = await context.newPage()
      page.setDefaultTimeout(15_000)
      try {
        await logIn(page, { email: tenant.email, password: aPassword })
        await page.goto(`/orgs/${tenant.org}/clusters/big/topics`)
        await expect.poll(() => page.getByText('800 topics', { exact: true }).count(), soon).toBe(1)
        expect(await page.locator('tr.topic-row').count()).toBeLessThan(60)
        await page.getByRole('searchbox', { name: 'Search topics' }).fill('t-0799')
        await expect.poll(() => rowOf(page, 't-0799').count(), soon).toBe(1)
        expect(await page.locator('tr.topic-row').count()).toBe(1)
        await page.getByRole('searchbox', { name: 'Search topics' }).fill('')
        await page.getByRole('button', { name: 'Partitions' }).click()
        await page.getByRole('button', { name: 'Partitions' }).click()
        await page.waitForURL('**/topics?sort=partitions&desc=true')
        const first = page.locator('tr.topic-row').first()
        await expect.poll(() => first.textContent(), soon).toMatch(/^t-0006\s*7/)
      } finally {
        await context.close()
      }
    } finally {
      await served.close()
      await api.close()
    }
  })
})

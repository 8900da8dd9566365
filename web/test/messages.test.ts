import { expectAnswer } from '@fjord/testing/answers'
import { ready } from '@fjord/testing/shop'
import { aPassword, aTenant, type Tenant } from '@fjord/testing/tenants'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConsole, type Console, expectAccessible, logIn, screenshots } from './support.ts'

// A topic's messages in the console, on the stack's Kafka: produced in the browser or through
// the API, and browsed, filtered, paged and followed as the api streams them.

let web: Console
let tenant: Tenant
let owner: ReturnType<Console['product']['as']>

/** `expect.poll` with room for a loaded CI machine (its default gives up after 1 s). */
const until = <T>(value: () => T | Promise<T>) => expect.poll(value, { timeout: 15_000 })

const messagesPath = '/v1/orgs/{org}/clusters/{cluster}/topics/{topic}/messages'

async function aTopic(topic: string, partitions: number) {
  await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
      params: { path: { org: tenant.org, cluster: 'main', topic }, query: { wait: 'true' } },
      body: { partitions },
    }),
  )
}

function produce(topic: string, body: { value: string } & Record<string, unknown>) {
  return expectAnswer(
    owner.POST(messagesPath, {
      params: { path: { org: tenant.org, cluster: 'main', topic } },
      body,
    }),
    201,
  )
}

beforeAll(async () => {
  web = await aConsole()
  tenant = await aTenant(web.product.api)
  owner = web.product.as(tenant.owner)
  await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: { org: tenant.org, cluster: 'main' }, query: { wait: 'true' } },
      body: { type: 'shared' },
    }),
  )
  await aTopic('orders', 2)
  for (let i = 0; i < 24; i += 1) {
    await produce('orders', {
      partition: i % 2,
      key: `order-${i}`,
      value: JSON.stringify({ order: i, kind: i % 3 === 0 ? 'refund' : 'sale' }),
      headers: [{ key: 'type', value: i % 3 === 0 ? 'refund' : 'sale' }],
    })
  }
})
afterAll(() => web?.stop())

const pageOf = (topic: string, query = '') =>
  `/orgs/${tenant.org}/clusters/main/topics/${topic}/messages${query}`

async function loggedIn(): Promise<Page> {
  const page = await web.newPage()
  await logIn(page, { email: tenant.email, password: aPassword })
  return page
}

const rows = (page: Page) => page.getByTestId('message')
const status = (page: Page) => page.getByTestId('browse-status').textContent()
/** Until the browse has ended (its progress line says why). */
const browsed = (page: Page) =>
  until(async () => /page is full|nothing more to read/.test((await status(page)) ?? '')).toBe(true)
const cellsOf = (row: Locator) => row.locator('td').allTextContents()

describe('messages in the console', () => {
  it('produces a message in the browser and shows it, JSON int64 intact', async () => {
    const page = await loggedIn()
    await page.goto(pageOf('orders'))
    await browsed(page)
    expect(await rows(page).count()).toBe(24)
    expect(await status(page)).toMatch(/24 shown · 24 read/)

    await page.getByRole('button', { name: 'Produce message' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Key').fill('from-the-console')
    await dialog.getByLabel('Value').fill('{"id":9007199254740993,"note":"hello"}')
    // Partition 0, so that the paging below, on partition 1, does not see it.
    await dialog.getByLabel('Partition').selectOption('0')
    await dialog.getByRole('button', { name: 'Add header' }).click()
    await dialog.getByLabel('Header 1 key').fill('source')
    await dialog.getByLabel('Header 1 value').fill('console')
    await expectAccessible(page)
    await dialog.getByRole('button', { name: 'Produce', exact: true }).click()
    await until(() =>
      page.getByRole('status').filter({ hasText: 'Written to partition' }).count(),
    ).toBe(1)

    // The page of the newest reads again, and the new message is on top.
    await until(() => rows(page).count()).toBe(25)
    await browsed(page)
    const top = rows(page).first()
    const [, , , key, value, headers] = await cellsOf(top)
    expect(key).toBe('from-the-console')
    expect(value).toBe('{\n  "id": 9007199254740993,\n  "note": "hello"\n}')
    expect(headers).toBe('sourceconsole')
    await expectAccessible(page)
    // A few rows of the table, for the docs.
    await page.setViewportSize({ width: 1280, height: 1200 })
    await screenshots(page, 'messages')
    await page.setViewportSize({ width: 1280, height: 800 })
  })

  it('filters on the server, and the URL keeps partition, start and filter through a reload', async () => {
    const page = await loggedIn()
    await page.goto(pageOf('orders'))
    await browsed(page)
    const form = page.getByRole('form', { name: 'Browse messages' })
    await form.getByLabel('Partition').selectOption('0')
    await form.getByLabel('Start').selectOption('oldest')
    await form
      .getByLabel('Filter')
      .fill('"type" in headers && headers.type == "refund" && json.order > 0')
    await form.getByRole('button', { name: 'Browse' }).click()
    await page.waitForURL((url) => url.searchParams.get('start') === 'oldest')
    await browsed(page)
    // Refunds are orders 0, 3, 6, …; partition 0 holds the even ones: 6, 12, 18.
    const keys = async () => await rows(page).locator('td:nth-child(4)').allTextContents()
    await until(keys).toEqual(['order-6', 'order-12', 'order-18'])
    expect(await status(page)).toMatch(/^3 shown · 1\d read/)
    const url = new URL(page.url())
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      partition: '0',
      start: 'oldest',
      filter: '"type" in headers && headers.type == "refund" && json.order > 0',
    })

    await page.reload()
    await browsed(page)
    await until(keys).toEqual(['order-6', 'order-12', 'order-18'])
    expect(await form.getByLabel('Partition').inputValue()).toBe('0')
    expect(await form.getByLabel('Start').inputValue()).toBe('oldest')
    expect(await form.getByLabel('Filter').inputValue()).toBe(
      '"type" in headers && headers.type == "refund" && json.order > 0',
    )

    // A filter that does not parse: the API's reason, next to the field.
    await form.getByLabel('Filter').fill('json.order >')
    await form.getByRole('button', { name: 'Browse' }).click()
    await until(() => form.locator('.field .error').textContent()).toMatch(/Unexpected token/)
    expect(await rows(page).count()).toBe(0)
  })

  it('pages back with Previous and forward with Next', async () => {
    const page = await loggedIn()
    // Partition 1 holds the odd orders, 12 of them: by 5, three pages.
    const offsets = () => rows(page).locator('td:nth-child(2)').allTextContents()
    await page.goto(pageOf('orders', '?partition=1&limit=5'))
    await browsed(page)
    expect(await offsets()).toEqual(['11', '10', '9', '8', '7'])
    expect(await page.getByRole('button', { name: 'Next →' }).isDisabled()).toBe(true)
    await page.getByRole('button', { name: '← Previous' }).click()
    await browsed(page)
    await until(offsets).toEqual(['6', '5', '4', '3', '2'])
    await page.getByRole('button', { name: '← Previous' }).click()
    await browsed(page)
    await until(offsets).toEqual(['1', '0'])
    expect(await page.getByRole('button', { name: '← Previous' }).isDisabled()).toBe(true)
    await page.getByRole('button', { name: 'Next →' }).click()
    await browsed(page)
    await until(offsets).toEqual(['2', '3', '4', '5', '6'])
  })

  it('follows new messages live, and stops on Stop', async () => {
    await aTopic('live', 1)
    await produce('live', { value: 'before' })
    const page = await loggedIn()
    await page.goto(pageOf('live'))
    await browsed(page)
    await page.getByRole('button', { name: 'Live tail' }).click()
    await until(() => status(page)).toMatch(/Live: following/)
    await produce('live', { key: 'k', value: 'after' })
    const values = () => rows(page).getByTestId('message-value').allTextContents()
    await until(values).toEqual(['after', 'before'])
    await page.getByRole('button', { name: 'Stop', exact: true }).click()
    await until(() => status(page)).toMatch(/^Cancelled/)
    expect(new URL(page.url()).searchParams.get('live')).toBe('true')
  })

  it('marks values that are not UTF-8 as hex, and shows a long one whole on Show all', async () => {
    await aTopic('bytes', 1)
    await produce('bytes', { value: 'ff00fe41', valueEncoding: 'hex' })
    await produce('bytes', { value: 'x'.repeat(100_000) })
    const page = await loggedIn()
    await page.goto(pageOf('bytes', '?start=oldest'))
    await browsed(page)
    const [binary, long] = [rows(page).nth(0), rows(page).nth(1)]
    expect(await binary.locator('.msg-hex').textContent()).toBe('hex')
    expect(await binary.getByTestId('message-value').textContent()).toBe('ff00fe41')
    expect(await long.textContent()).toMatch(/Showing 64 KiB of 97.7 KiB/)
    expect(await long.getByTestId('message-value').textContent()).toHaveLength(65_536)
    await long.getByRole('button', { name: 'Show all' }).click()
    await until(async () => (await long.getByTestId('message-value').textContent())?.length).toBe(
      100_000,
    )
    expect(await long.getByRole('button', { name: 'Show all' }).count()).toBe(0)
  })

  it('shows a viewer Produce disabled, with the reason, and the messages all the same', async () => {
    const viewer = await aTenant(web.product.api)
    const invitation = await expectAnswer(
      owner.POST('/v1/orgs/{org}/invitations', {
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
    const page = await web.newPage()
    await logIn(page, { email: viewer.email, password: aPassword })
    await page.goto(pageOf('orders', '?limit=20'))
    await browsed(page)
    expect(await rows(page).count()).toBe(20)
    const produceButton = page.getByRole('button', { name: 'Produce message' })
    await until(() => produceButton.isDisabled()).toBe(true)
    await produceButton.locator('xpath=..').hover()
    await until(() => page.getByRole('tooltip').textContent()).toContain(
      'Your role (viewer) does not allow this',
    )
    await expectAccessible(page)
  })
})

import type { FjordClient } from '@fjord/client'
import { expectAnswer } from '@fjord/testing/answers'
import { expectStatus } from '@fjord/testing/api'
import { aMember, aPassword, type Tenant } from '@fjord/testing/tenants'
import type { Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  aConsole,
  type Console,
  expectAccessible,
  logIn,
  type SignedUp,
  screenshots,
  signUp,
} from './support.ts'

// Quotas, usage and the audit log of an org made in the console, with a cluster and a topic
// made through the API, and usage samples posted as the operator's metering posts them.

let web: Console
let page: Page
let user: SignedUp
let owner: FjordClient
let orgId: string
/** The console's scripts the page has loaded so far. */
const scripts: string[] = []

beforeAll(async () => {
  web = await aConsole()
  page = await web.newPage()
  page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname)
  })
  user = await signUp(page, 'insights')
  const cookies = await page.context().cookies()
  owner = web.product.as({
    kind: 'session',
    cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
    csrfToken: cookies.find((c) => c.name === 'fjord_csrf')?.value ?? '',
  })
  const org = { org: user.org }
  orgId = (await expectAnswer(owner.GET('/v1/orgs/{org}', { params: { path: org } }), 200)).id
  await expectAnswer(
    owner.POST('/v1/orgs/{org}/clusters', {
      params: { path: org },
      body: { name: 'main', type: 'shared', region: 'local' },
    }),
    201,
  )
  await expectAnswer(
    owner.POST('/v1/orgs/{org}/clusters/{cluster}/topics', {
      params: { path: { ...org, cluster: 'main' } },
      body: { name: 'orders', partitions: 3, replicationFactor: 1, config: {} },
    }),
    201,
  )
})
afterAll(() => web?.stop())

// A page's first answer, with the app's code still to load; later ones take expect.poll's 1 s.
const loads = { timeout: 10_000 }
const hour = 60 * 60 * 1000
const day = 24 * hour

/** Samples of orders as metering takes them: its end offsets rise by what was produced. */
async function postSamplesOfOrders() {
  const path = { org: user.org, cluster: 'main' }
  const cluster = await expectAnswer(
    owner.GET('/v1/orgs/{org}/clusters/{cluster}', { params: { path } }),
    200,
  )
  const topic = await expectAnswer(
    owner.GET('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
      params: { path: { ...path, topic: 'orders' } },
    }),
    200,
  )
  const now = Date.now()
  const taken: [number, number, number][] = [
    // [how long ago, end offsets, bytes on the brokers]
    [10 * day, 100, 10_000],
    [3 * day, 400, 40_000],
    [3 * hour, 1_000, 100_000],
    [2 * hour, 1_500, 150_000],
    [10 * 60 * 1000, 1_800, 180_000],
  ]
  const samples = taken.map(([ago, endOffsets, storageBytes]) => {
    const sampledAt = new Date(now - ago).toISOString()
    return {
      id: `${topic.id}:${sampledAt}`,
      orgId,
      clusterId: cluster.id,
      topicId: topic.id,
      sampledAt,
      partitions: 3,
      storageBytes,
      endOffsets,
    }
  })
  const answer = await expectStatus(
    await web.product.api.request('POST', '/internal/v1/usage-samples', {
      as: { kind: 'api_key', token: web.product.meteringToken },
      body: { samples },
    }),
    200,
  )
  expect(answer).toMatchObject({ stored: samples.length, ignored: [] })
}

/** The usage request the page sends when `action` is done, once it matches `check`. */
async function usageAsked(action: () => Promise<unknown>, check: (url: URL) => boolean) {
  const sent = (request: Request) => {
    const url = new URL(request.url())
    return url.pathname === `/v1/orgs/${user.org}/usage` && check(url)
  }
  const [request] = await Promise.all([page.waitForRequest(sent), action()])
  return new URL(request.url())
}

const spanHours = (url: URL) =>
  (Date.parse(url.searchParams.get('to') ?? '') - Date.parse(url.searchParams.get('from') ?? '')) /
  hour

describe('quotas, usage and the audit log', () => {
  it("shows each limit with its use as a bar, the topic's partitions counted", async () => {
    await page.goto(`/orgs/${user.org}/quotas`)
    const partitions = page.getByTestId('quota-partitions')
    await expect.poll(() => partitions.getByTestId('use').textContent(), loads).toBe('3')
    expect(await partitions.getByTestId('maximum').textContent()).toBe('30')
    expect(await page.getByRole('meter', { name: 'Partitions' }).getAttribute('value')).toBe('3')
    expect(await page.getByRole('meter', { name: 'Topics' }).getAttribute('value')).toBe('1')
    expect(await page.getByRole('meter', { name: 'Storage' }).count()).toBe(1)
    // The charting library is not loaded before a chart is shown.
    expect(scripts.filter((path) => path.includes('usage-charts'))).toEqual([])
    expect(await page.getByRole('heading', { name: /Limits of the free plan/ }).count()).toBe(1)
    // One cluster of the free plan's one: the page says what to do about it.
    expect(await page.getByTestId('near-limits').textContent()).toMatch(
      /Clusters: 1 of 1\. Delete a cluster you no longer use\./,
    )
    const changePlan = page.getByRole('button', { name: 'Change plan' })
    expect(await changePlan.isDisabled()).toBe(true)
    await expectAccessible(page)
    await screenshots(page, 'quotas')

    // The owner moves to a larger plan: the limits and the advice follow.
    await page.getByLabel('New plan').selectOption('startup')
    await changePlan.click()
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'now on' }).count()).toBe(1)
    await expect
      .poll(() => page.getByTestId('quota-clusters').getByTestId('maximum').textContent())
      .toBe('3')
    expect(await page.getByTestId('near-limits').count()).toBe(0)
    expect(await page.getByRole('heading', { name: /Limits of the startup plan/ }).count()).toBe(1)
  })

  it('charts partitions, storage and messages in over 24 h, 7 d and 30 d, per cluster and topic', async () => {
    await page.goto(`/orgs/${user.org}/quotas/usage`)
    await expect.poll(() => page.getByText('No usage for all clusters').count(), loads).toBe(1)
    await postSamplesOfOrders()

    const figure = (chart: string) => page.getByTestId(`chart-${chart}`).getByTestId('figure')
    const lastDay = await usageAsked(
      () => page.reload(),
      (url) => spanHours(url) === 24,
    )
    expect(lastDay.searchParams.get('granularity')).toBe('hour')
    await expect.poll(() => figure('messages').textContent(), loads).toBe('1,400')
    expect(await figure('partitions').textContent()).toBe('3')
    expect(await figure('storage').textContent()).toBe('176 KiB')
    expect(await page.locator('.recharts-surface').count()).toBe(3)
    expect(scripts.filter((path) => path.includes('usage-charts'))).toHaveLength(1)

    const lastWeek = await usageAsked(
      () => page.getByRole('radio', { name: '7 d' }).check(),
      (url) => spanHours(url) === 7 * 24,
    )
    expect(lastWeek.searchParams.get('granularity')).toBe('hour')
    await expect.poll(() => figure('messages').textContent()).toBe('1,700')
    await expectAccessible(page)
    await screenshots(page, 'usage')

    const lastMonth = await usageAsked(
      () => page.getByRole('radio', { name: '30 d' }).check(),
      (url) => url.searchParams.get('granularity') === 'day',
    )
    expect(spanHours(lastMonth)).toBe(30 * 24)
    await expect.poll(() => figure('messages').textContent()).toBe('1,800')

    const pick = (name: string) => page.getByRole('combobox', { name, exact: true })
    const ofTopic = await usageAsked(
      async () => {
        await pick('Cluster').selectOption('main')
        await pick('Topic').selectOption('orders')
      },
      (url) => url.searchParams.get('topic') === 'orders',
    )
    expect(ofTopic.searchParams.get('cluster')).toBe('main')
    await expect.poll(() => figure('messages').textContent()).toBe('1,800')
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toMatchObject({
      window: '30d',
      cluster: 'main',
      topic: 'orders',
    })
  })

  it("lists the cluster's creation in the audit log and filters by action", async () => {
    await page.goto(`/orgs/${user.org}/audit`)
    const rows = page.getByTestId('audit-row')
    await expect.poll(() => rows.count(), loads).toBe(4)
    const actionColumn = () => page.locator('[data-testid=audit-row] td:nth-child(3)')
    const actions = await actionColumn().allTextContents()
    expect(actions).toEqual(
      expect.arrayContaining([
        'organization.create',
        'cluster.create',
        'topic.create',
        'organization.update',
      ]),
    )
    expect(actions.indexOf('topic.create')).toBeLessThan(actions.indexOf('cluster.create'))
    await expectAccessible(page)
    await screenshots(page, 'audit')

    // Two a page: the oldest events are on the second, and Newer comes back.
    await page.goto(`/orgs/${user.org}/audit?limit=2`)
    await expect
      .poll(() => actionColumn().allTextContents(), loads)
      .toEqual(['organization.update', 'topic.create'])
    expect(await page.getByRole('button', { name: 'Newer' }).isDisabled()).toBe(true)
    await page.getByRole('button', { name: 'Older' }).click()
    await expect
      .poll(() => actionColumn().allTextContents())
      .toEqual(['cluster.create', 'organization.create'])
    expect(new URL(page.url()).searchParams.get('cursor')).toBeTruthy()
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true)
    await page.getByRole('button', { name: 'Newer' }).click()
    await expect
      .poll(() => actionColumn().allTextContents())
      .toEqual(['organization.update', 'topic.create'])
    expect(new URL(page.url()).searchParams.get('cursor')).toBeNull()

    await page.getByLabel('Action').fill('cluster.create')
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe('cluster.create')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().textContent()).toMatch(/cluster\.create.*cluster main/)

    await page.getByRole('button', { name: 'Clear' }).click()
    await page.getByLabel('Resource type').selectOption('topic')
    await expect.poll(() => new URL(page.url()).searchParams.get('type')).toBe('topic')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().textContent()).toMatch(/topic\.create.*topic orders/)
  })

  it('tells a viewer the audit log is for admins, rather than failing', async () => {
    const viewer = await aMember(web.product.api, { orgId } as Tenant, 'viewer')
    const other = await web.newPage()
    await logIn(other, { email: viewer.email, password: aPassword })
    await other.goto(`/orgs/${user.org}/audit`)
    const note = other.getByTestId('audit-admins-only')
    await expect.poll(() => note.textContent(), loads).toMatch(/for admins and owners.*\(viewer\)/)
    expect(await other.getByTestId('audit-row').count()).toBe(0)
    await expectAccessible(other)
  })
})

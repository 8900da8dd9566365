import { expectAnswer } from '@fjord/testing/answers'
import { aConsumer, aShop, earliestReset, lagLeft, produce } from '@fjord/testing/shop'
import { aPassword } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConsole, type Console, expectAccessible, logIn, screenshots } from './support.ts'

// Consumer groups in the console, on the stack's Kafka: a tenant's shop produces and a group
// consumes with the credential the api issued; the console shows what Kafka holds.

let web: Console
beforeAll(async () => {
  web = await aConsole()
})
afterAll(() => web?.stop())

const groupPath = '/v1/orgs/{org}/clusters/{cluster}/groups/{group}'

describe('consumer groups in the console', () => {
  it('shows a group with its lag, refuses a reset while it runs, and resets it after a preview once it stops', async () => {
    const shop = await aShop(web.product)
    // Five of seven messages: the group commits on both partitions.
    const produced = await produce(shop, [4, 3])
    const consumer = await aConsumer(shop, 'shop-readers')
    let committed: Map<number, number>
    try {
      committed = await consumer.readAndCommit(5)
    } catch (error) {
      await consumer.close()
      throw error
    }
    const { lag, partitions } = lagLeft(produced, committed)
    const everything = produced.reduce((sum, count) => sum + count, 0)
    const { org } = shop.tenant
    const offsetsNow = async () => {
      const group = await expectAnswer(
        shop.owner.GET(groupPath, { params: { path: { ...shop.main, group: 'shop-readers' } } }),
        200,
      )
      return group.partitions.map((p) => [p.partition, p.committedOffset])
    }

    const page = await web.newPage()
    await logIn(page, { email: shop.tenant.email, password: aPassword })
    await page.goto(`/orgs/${org}/clusters/main/groups`)
    const row = page.getByTestId('group-shop-readers')
    await expect.poll(() => row.getByTestId('lag').textContent()).toBe(String(lag))
    expect(await row.textContent()).toMatch(/Stable/)
    await expectAccessible(page)

    await row.getByRole('link', { name: 'shop-readers' }).click()
    await page.waitForURL('**/groups/shop-readers')
    const members = page.getByRole('region', { name: 'Members' })
    await expect
      .poll(() => members.getByRole('cell', { name: 'shop', exact: true }).count())
      .toBe(1)
    expect(await members.textContent()).toMatch(/orders: 0, 1/)
    const rows = page.getByTestId('partition-row')
    expect(await rows.allTextContents()).toEqual(
      partitions.map((p) => `orders${p.partition}${p.committedOffset}${p.endOffset}${p.lag}shop`),
    )
    // While a consumer runs, the reset is disabled and the page says why.
    const preview = page.getByRole('button', { name: 'Preview the reset' })
    expect(await page.getByTestId('reset-blocked').textContent()).toMatch(
      /only while the group is empty; it has 1 member \(Stable\)/,
    )
    expect(await preview.isDisabled()).toBe(true)

    await consumer.close()
    // The page follows the group as it empties, and the reset opens.
    await expect.poll(() => page.getByTestId('reset-blocked').count(), { timeout: 15_000 }).toBe(0)
    expect(await page.getByTestId('total-lag').textContent()).toBe(`${lag} messages`)
    await expectAccessible(page)

    await page.getByRole('radio', { name: /Earliest/ }).check()
    await preview.click()
    const previewRows = page.getByTestId('preview-row')
    await expect.poll(() => previewRows.count()).toBe(committed.size)
    const expected = earliestReset(committed)
    expect(await previewRows.allTextContents()).toEqual(
      expected.map((p) => {
        const end = produced[p.partition] ?? 0
        const before = end - (p.previousOffset ?? 0)
        return `orders${p.partition}${p.previousOffset}→ ${p.newOffset}${before}${end} (+${end - before})`
      }),
    )
    expect(await page.getByTestId('reset-preview').textContent()).toMatch(
      `Preview: nothing has changed yet.Applying moves these 2 partitions, and the group's lag goes from ${lag} to ${everything} messages.`,
    )
    // The preview alone moved nothing.
    const before = [...committed].sort(([a], [b]) => a - b)
    expect(await offsetsNow()).toEqual(before)
    await expectAccessible(page)
    // The whole page, preview included, for the docs.
    await page.setViewportSize({ width: 1280, height: 1500 })
    await page.evaluate(() => window.scrollTo(0, 0))
    await screenshots(page, 'group')
    await page.setViewportSize({ width: 1280, height: 800 })

    await page.getByRole('button', { name: 'Apply to 2 partitions' }).click()
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Reset 2 partitions' }).count())
      .toBe(1)
    expect(await offsetsNow()).toEqual(before.map(([partition]) => [partition, 0]))
    await expect
      .poll(() => page.getByTestId('total-lag').textContent())
      .toBe(`${everything} messages`)

    await page.goto(`/orgs/${org}/clusters/main/groups`)
    await expect.poll(() => row.getByTestId('lag').textContent()).toBe(String(everything))
    expect(await row.textContent()).toMatch(/Empty/)
    await screenshots(page, 'groups')
  })

  it("shows a partial result with a note, not an error, when Kafka did not tell some partitions' end", async () => {
    const shop = await aShop(web.product)
    await produce(shop, [2, 2])
    const consumer = await aConsumer(shop, 'shop-partial')
    try {
      await consumer.readAndCommit(3)
    } finally {
      await consumer.close()
    }
    const page = await web.newPage()
    await logIn(page, { email: shop.tenant.email, password: aPassword })
    // The API's answer when one partition's ListOffsets went unanswered: no end, no lag.
    await page.route('**/v1/orgs/*/clusters/main/groups/shop-partial', async (route) => {
      const response = await route.fetch()
      const group = await response.json()
      group.partitions[1] = { ...group.partitions[1], endOffset: null, lag: null }
      group.lag = null
      await route.fulfill({ response, json: group })
    })
    await page.goto(`/orgs/${shop.tenant.org}/clusters/main/groups/shop-partial`)
    const note = page.getByRole('status').filter({ hasText: 'Partial result' })
    await expect.poll(() => note.textContent()).toMatch(/end offset of orders 1, so their lag/)
    const rows = await page.getByTestId('partition-row').allTextContents()
    expect(rows).toHaveLength(2)
    expect(rows[1]).toMatch(/no answerunknown/)
    expect(await page.getByTestId('total-lag').textContent()).toMatch(/^at least \d+ messages$/)
  })
})

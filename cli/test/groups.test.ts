import { type Served, serveOnPort } from '@fjord/testing/http'
import { aProduct } from '@fjord/testing/product'
import {
  aConsumer,
  aGroupThatRead,
  aShop,
  earliestReset,
  lagLeft,
  produce,
} from '@fjord/testing/shop'
import { anApiKey } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { aUser, expectExit } from './support.ts'

// fjord groups against the product (api, provisioner, operator) on the stack's Kafka, served
// over HTTP; the test produces and consumes as a tenant's service account would, then reads
// and moves the group's offsets with fjord, by short names.

let product: Awaited<ReturnType<typeof aProduct>>
let served: Served
beforeAll(async () => {
  product = await aProduct()
  served = await serveOnPort(product.api.fetch)
})
afterAll(async () => {
  await served?.close()
  await product?.stop()
})

/**
 * A tenant's shop (see @fjord/testing/shop) whose `orders` holds `counts` messages per
 * partition, and a user of fjord logged in with an admin key.
 */
async function aTenantWithMessages(counts: [number, number]) {
  const shop = await aShop(product)
  await produce(shop, counts)
  const key = await anApiKey(product.api, shop.tenant, 'admin')
  const user = await aUser(served.url, {
    FJORD_API_KEY: key.token,
    FJORD_ORG: shop.tenant.org,
    FJORD_CLUSTER: 'main',
  })
  return {
    ...user,
    org: shop.tenant.org,
    /** A member of the group `group` (a short name), reading `orders` from its start. */
    aConsumer: (group: string) => aConsumer(shop, group),
    /** The group read and committed `count` messages, then left. */
    aGroupThatRead: (group: string, count: number) => aGroupThatRead(shop, group, count),
  }
}

describe('fjord groups', () => {
  test('lists and describes a group with the lag it has left, by short names', async () => {
    const produced = [5, 3]
    const shop = await aTenantWithMessages([5, 3])
    const committed = await shop.aGroupThatRead('shop-readers', 4)
    const { partitions: rows, lag } = lagLeft(produced, committed)

    const listed = JSON.parse((await expectExit(shop.fjord(['groups', 'list']), 0)).stdout)
    expect(listed).toEqual([
      { name: 'shop-readers', state: 'Empty', memberCount: 0, lag, topics: ['orders'] },
    ])
    const byTopic = await expectExit(shop.fjord(['groups', 'list', '--topic', 'orders']), 0)
    expect(JSON.parse(byTopic.stdout)).toEqual(listed)

    const described = parse(
      (await expectExit(shop.fjord(['groups', 'describe', 'shop-readers', '-o', 'yaml']), 0))
        .stdout,
    )
    expect(described).toMatchObject({ name: 'shop-readers', state: 'Empty', lag, members: [] })
    expect(described.partitions).toEqual(rows)

    const table = await expectExit(
      shop.fjord(['groups', 'describe', 'shop-readers', '-o', 'table']),
      0,
    )
    const lines = table.stdout.split('\n')
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^lag\\s+${lag}$`)))
    expect(lines).toContainEqual(expect.stringMatching(/^TOPIC\s+PARTITION\s+COMMITTEDOFFSET/))
    for (const row of rows) {
      const cells = ['orders', row.partition, row.committedOffset, row.endOffset, row.lag]
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${cells.join('\\s+')}\\s`)))
    }
  })

  test('previews a reset with --dry-run, resets an empty group, and refuses one with a member', async () => {
    const shop = await aTenantWithMessages([4, 4])
    const committed = await shop.aGroupThatRead('shop-readers', 3)
    const describe = async (group: string) =>
      JSON.parse((await expectExit(shop.fjord(['groups', 'describe', group]), 0)).stdout)
    const before = await describe('shop-readers')

    const preview = await expectExit(
      shop.fjord(['groups', 'reset-offsets', 'shop-readers', '--to', 'earliest', '--dry-run']),
      0,
    )
    expect(preview.stderr).toContain('Would reset consumer group shop-readers')
    expect(JSON.parse(preview.stdout)).toEqual(earliestReset(committed))
    expect(await describe('shop-readers')).toEqual(before)

    // Not on a terminal, a reset without --yes asks nobody and changes nothing.
    const unasked = await expectExit(
      shop.fjord(['groups', 'reset-offsets', 'shop-readers', '--to', 'earliest']),
      2,
    )
    expect(unasked.stderr).toContain('--yes')
    expect(await describe('shop-readers')).toEqual(before)

    const reset = await expectExit(
      shop.fjord([
        ...['groups', 'reset-offsets', 'shop-readers', '--to', 'offset', '--offset', '2'],
        ...['--topic', 'orders', '--yes'],
      ]),
      0,
    )
    expect(JSON.parse(reset.stdout).map((row: { newOffset: number }) => row.newOffset)).toEqual([
      2, 2,
    ])
    expect((await describe('shop-readers')).lag).toBe(4)
    await expectExit(
      shop.fjord([
        ...['groups', 'reset-offsets', 'shop-readers', '--to', 'timestamp'],
        ...['--timestamp', String(Date.now() + 3_600_000), '--yes'],
      ]),
      0,
    )
    expect((await describe('shop-readers')).lag).toBe(0)

    const live = await shop.aConsumer('shop-live')
    try {
      await live.readAndCommit(1)
      expect(await describe('shop-live')).toMatchObject({ state: 'Stable', memberCount: 1 })
      const refused = await expectExit(
        shop.fjord(['groups', 'reset-offsets', 'shop-live', '--to', 'latest', '--yes']),
        1,
      )
      expect(refused.stderr).toContain('shop-live is not empty')
      expect(refused.stderr).toContain('(group_not_empty)')
    } finally {
      await live.close()
    }
  })

  test("refuses bad reset flags as usage errors, and finds no other org's group", async () => {
    const shop = await aTenantWithMessages([1, 0])
    await shop.aGroupThatRead('shop-readers', 1)
    const resetting = (flags: string[]) =>
      shop.fjord(['groups', 'reset-offsets', 'shop-readers', ...flags])
    for (const flags of [
      ['--to', 'offset', '--dry-run'],
      ['--to', 'timestamp', '--dry-run'],
      ['--to', 'earliest', '--offset', '3', '--dry-run'],
      ['--to', 'timestamp', '--timestamp', 'last tuesday', '--dry-run'],
      ['--to', 'somewhere', '--dry-run'],
      ['--dry-run'],
    ]) {
      await expectExit(resetting(flags), 2)
    }

    const other = await aTenantWithMessages([0, 0])
    const theirs = await expectExit(
      other.fjord(['groups', 'describe', 'shop-readers', '--org', shop.org]),
      1,
    )
    expect(theirs.stderr).toContain('(not_found)')
    const own = await expectExit(other.fjord(['groups', 'describe', 'shop-readers']), 1)
    expect(own.stderr).toContain('Consumer group shop-readers not found (not_found)')
    expect(JSON.parse((await expectExit(other.fjord(['groups', 'list']), 0)).stdout)).toEqual([])
  })
})

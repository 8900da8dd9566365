import type { Answer, Data } from '@fjord/client'
import { expectAnswer } from '@fjord/testing/answers'
import { type Served, serveOnPort } from '@fjord/testing/http'
import { aProduct } from '@fjord/testing/product'
import { anApiKey, aTenant } from '@fjord/testing/tenants'
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'
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

const wait = { wait: 'true' } as const

async function ready<A extends Answer>(put: Promise<A>): Promise<Data<A>> {
  const answer = await put
  const shown = await expectAnswer(answer, answer.response.status === 200 ? 200 : 201)
  expect(shown).toMatchObject({ status: { phase: 'Ready' } })
  return shown
}

/**
 * A tenant with a Ready cluster `main`, a topic `orders` of two partitions holding `counts`
 * messages, the Kafka login of a service account that may read it in the groups `shop-*`,
 * and a user of fjord logged in with an admin key.
 */
async function aTenantWithMessages(counts: [number, number]) {
  const tenant = await aTenant(product.api)
  const owner = product.as(tenant.owner)
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
      body: { partitions: 2 },
    }),
  )
  await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
      params: { path: { ...main, serviceAccount: 'shop' }, query: wait },
      body: {
        acls: [
          { resourceType: 'topic', name: 'orders', operations: ['read', 'write', 'describe'] },
          { resourceType: 'group', patternType: 'prefixed', name: 'shop-', operations: ['read'] },
        ],
      },
    }),
  )
  const credential = await expectAnswer(
    owner.POST('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials', {
      params: { path: { ...main, serviceAccount: 'shop' } },
    }),
    201,
  )
  const prefix = `${tenant.org}-main.`
  const kafka = { clientId: 'shop', ...credential.clientConfig.node }
  const producer = new Producer({ ...kafka, serializers: stringSerializers })
  try {
    for (const [partition, count] of counts.entries()) {
      await producer.send({
        messages: Array.from({ length: count }, (_, i) => ({
          topic: `${prefix}orders`,
          partition,
          value: String(i),
        })),
      })
    }
  } finally {
    await producer.close()
  }
  const key = await anApiKey(product.api, tenant, 'admin')
  const user = await aUser(served.url, {
    FJORD_API_KEY: key.token,
    FJORD_ORG: tenant.org,
    FJORD_CLUSTER: 'main',
  })

  /** A member of the group `group` (a short name), reading `orders` from its start. */
  async function aConsumer(group: string) {
    const consumer = new Consumer({
      ...kafka,
      groupId: prefix + group,
      deserializers: stringDeserializers,
      autocommit: false,
    })
    const stream = await consumer.consume({ topics: [`${prefix}orders`], mode: 'earliest' })
    return {
      /** Reads and commits `count` messages; answers the next offset committed per partition. */
      async readAndCommit(count: number): Promise<Map<number, number>> {
        const next = new Map<number, number>()
        for await (const message of stream) {
          await message.commit()
          next.set(message.partition, Number(message.offset) + 1)
          if (--count === 0) break
        }
        return next
      },
      async close() {
        await stream.close()
        await consumer.close()
      },
    }
  }

  return {
    ...user,
    org: tenant.org,
    aConsumer,
    /** The group read and committed `count` messages, then left. */
    async aGroupThatRead(group: string, count: number) {
      const consumer = await aConsumer(group)
      try {
        return await consumer.readAndCommit(count)
      } finally {
        await consumer.close()
      }
    },
  }
}

describe('fjord groups', () => {
  test('lists and describes a group with the lag it has left, by short names', async () => {
    const produced = [5, 3]
    const shop = await aTenantWithMessages([5, 3])
    const committed = await shop.aGroupThatRead('shop-readers', 4)
    const rows = [...committed]
      .sort(([a], [b]) => a - b)
      .map(([partition, next]) => ({
        topic: 'orders',
        partition,
        committedOffset: next,
        endOffset: produced[partition],
        lag: (produced[partition] ?? 0) - next,
        memberId: null,
      }))
    const lag = rows.reduce((sum, row) => sum + row.lag, 0)

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
    expect(JSON.parse(preview.stdout)).toEqual(
      [...committed]
        .sort(([a], [b]) => a - b)
        .map(([partition, next]) => ({
          topic: 'orders',
          partition,
          previousOffset: next,
          newOffset: 0,
        })),
    )
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

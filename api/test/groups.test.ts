import '@fjord/kafka/connection-errors'
import { createServer, type Server, type Socket } from 'node:net'
import { KafkaPools } from '@fjord/contract/resources'
import { apply } from '@fjord/kube/apply'
import { expectAnswer, expectProblem } from '@fjord/testing/answers'
import { uniqueName } from '@fjord/testing/names'
import { env } from '@fjord/testing/operator'
import { aProduct } from '@fjord/testing/product'
import {
  aConsumer,
  aGroupThatRead,
  aShop,
  earliestReset,
  lagLeft,
  produce,
  ready,
} from '@fjord/testing/shop'
import { aMember, aTenant } from '@fjord/testing/tenants'
import { Admin } from '@platformatic/kafka'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { clusters } from '../src/db/schema/index.ts'

// Consumer groups through the REST API, on the stack's Kafka: the product runs here (api,
// provisioner, operator), tenants produce and consume with the credentials it issues, and
// the api answers with what Kafka holds, through the pool's admin login.

let product: Awaited<ReturnType<typeof aProduct>>
beforeAll(async () => {
  product = await aProduct()
})
afterAll(() => product.stop())

const groupsPath = '/v1/orgs/{org}/clusters/{cluster}/groups'
const groupPath = '/v1/orgs/{org}/clusters/{cluster}/groups/{group}'
const resetPath = '/v1/orgs/{org}/clusters/{cluster}/groups/{group}/reset-offsets'

function platformAdmin() {
  return new Admin({
    clientId: 'fjord-test',
    bootstrapBrokers: [env.kafka.bootstrapServers],
    sasl: {
      mechanism: env.kafka.saslMechanism,
      username: env.kafka.admin.username,
      password: env.kafka.admin.password,
    },
  })
}

describe('consumer groups through the REST API', () => {
  test("a group's lag is, per partition, exactly what it has left to read", async () => {
    const shop = await aShop(product)
    const produced = await produce(shop, [6, 4])
    const committed = await aGroupThatRead(shop, 'shop-readers', 5)
    const { partitions: expected, lag } = lagLeft(produced, committed)

    const list = await expectAnswer(
      shop.owner.GET(groupsPath, { params: { path: shop.main } }),
      200,
    )
    expect(list).toEqual({
      items: [{ name: 'shop-readers', state: 'Empty', memberCount: 0, topics: ['orders'], lag }],
      nextCursor: null,
    })
    const group = await expectAnswer(
      shop.owner.GET(groupPath, { params: { path: { ...shop.main, group: 'shop-readers' } } }),
      200,
    )
    expect(group).toMatchObject({ name: 'shop-readers', state: 'Empty', members: [], lag })
    expect(group.partitions).toEqual(expected)

    const byTopic = (topic: string) =>
      expectAnswer(
        shop.owner.GET(groupsPath, { params: { path: shop.main, query: { topic } } }),
        200,
      )
    expect((await byTopic('orders')).items.map((g) => g.name)).toEqual(['shop-readers'])
    expect((await byTopic('payments')).items).toEqual([])
  })

  test('pages through groups by name', async () => {
    const shop = await aShop(product)
    await produce(shop, [1, 0])
    for (const group of ['shop-c', 'shop-a', 'shop-b']) await aGroupThatRead(shop, group, 1)
    const page = (cursor?: string) =>
      expectAnswer(
        shop.owner.GET(groupsPath, { params: { path: shop.main, query: { limit: 2, cursor } } }),
        200,
      )
    const first = await page()
    expect(first.items.map((g) => g.name)).toEqual(['shop-a', 'shop-b'])
    const second = await page(first.nextCursor ?? undefined)
    expect(second).toMatchObject({ items: [{ name: 'shop-c' }], nextCursor: null })
  })

  test('a reset moves an empty group, and a dry run only says where it would go', async () => {
    const shop = await aShop(product)
    const before = Date.now()
    const produced = await produce(shop, [6, 4])
    const committed = await aGroupThatRead(shop, 'shop-readers', 5)
    const path = { ...shop.main, group: 'shop-readers' }
    const describe = () => expectAnswer(shop.owner.GET(groupPath, { params: { path } }), 200)
    const params = { path }

    const unchanged = await describe()
    const preview = await expectAnswer(
      shop.owner.POST(resetPath, { params, body: { to: 'earliest', dryRun: true } }),
      200,
    )
    expect(preview).toEqual({
      name: 'shop-readers',
      dryRun: true,
      partitions: earliestReset(committed),
    })
    expect(await describe()).toEqual(unchanged)

    // Naming the topic resets all its partitions, those the group never read too; an offset
    // past a partition's end stops at the end.
    const moved = await expectAnswer(
      shop.owner.POST(resetPath, {
        params,
        body: { to: 'offset', offset: 5, topics: ['orders'] },
      }),
      200,
    )
    expect(moved.partitions.map((p) => [p.partition, p.newOffset])).toEqual([
      [0, 5],
      [1, 4],
    ])
    expect(
      (await describe()).partitions.map((p) => [p.partition, p.committedOffset, p.lag]),
    ).toEqual([
      [0, 5, 1],
      [1, 4, 0],
    ])
    const timestamp = new Date(before - 60_000).toISOString()
    await expectAnswer(
      shop.owner.POST(resetPath, { params, body: { to: 'timestamp', timestamp } }),
      200,
    )
    expect((await describe()).lag).toBe((produced[0] ?? 0) + (produced[1] ?? 0))
    await expectAnswer(shop.owner.POST(resetPath, { params, body: { to: 'latest' } }), 200)
    expect((await describe()).lag).toBe(0)

    const audit = await expectAnswer(
      shop.owner.GET('/v1/orgs/{org}/audit-events', {
        params: { path: { org: shop.tenant.org }, query: { action: 'group.offsets.reset' } },
      }),
      200,
    )
    // Three resets, not the dry run.
    expect(audit.items).toHaveLength(3)
    expect(audit.items[0]).toMatchObject({
      target: { type: 'group', name: `${shop.prefix}shop-readers` },
    })
  })

  test('refuses a reset while the group has a member, dry run or not, and shows the member', async () => {
    const shop = await aShop(product)
    await produce(shop, [3, 3])
    const consumer = await aConsumer(shop, 'shop-live')
    const path = { ...shop.main, group: 'shop-live' }
    try {
      await consumer.readAndCommit(1)
      const group = await expectAnswer(shop.owner.GET(groupPath, { params: { path } }), 200)
      expect(group).toMatchObject({
        state: 'Stable',
        memberCount: 1,
        members: [{ clientId: 'shop', assignments: [{ topic: 'orders', partitions: [0, 1] }] }],
      })
      expect(group.partitions.every((p) => p.memberId === group.members[0]?.memberId)).toBe(true)
      for (const dryRun of [true, false]) {
        const refused = await expectProblem(
          shop.owner.POST(resetPath, { params: { path }, body: { to: 'earliest', dryRun } }),
          409,
        )
        expect(refused.code).toBe('group_not_empty')
        expect(refused.detail).toMatch(/shop-live is not empty \(1 member/)
      }
    } finally {
      await consumer.close()
    }
    await expectAnswer(
      shop.owner.POST(resetPath, { params: { path }, body: { to: 'earliest' } }),
      200,
    )
  })

  test('shows the member of a KIP-848 consumer group, and refuses to reset it', async () => {
    const shop = await aShop(product)
    await produce(shop, [2, 2])
    const consumer = await aConsumer(shop, 'shop-next', 'consumer')
    const path = { ...shop.main, group: 'shop-next' }
    try {
      await consumer.readAndCommit(1)
      const group = await expectAnswer(shop.owner.GET(groupPath, { params: { path } }), 200)
      expect(group).toMatchObject({
        state: 'Stable',
        memberCount: 1,
        members: [{ clientId: 'shop', assignments: [{ topic: 'orders', partitions: [0, 1] }] }],
      })
      const refused = await expectProblem(
        shop.owner.POST(resetPath, { params: { path }, body: { to: 'earliest' } }),
        409,
      )
      expect(refused.code).toBe('group_not_empty')
    } finally {
      await consumer.close()
    }
    const listed = await expectAnswer(
      shop.owner.GET(groupsPath, { params: { path: shop.main } }),
      200,
    )
    expect(listed.items).toMatchObject([{ name: 'shop-next', state: 'Empty', memberCount: 0 }])
  })

  test("another org's group, and a group outside the cluster's prefix, are not found", async () => {
    const a = await aShop(product)
    const b = await aShop(product)
    await produce(a, [1, 0])
    await aGroupThatRead(a, 'shop-readers', 1)
    const outside = uniqueName('outside')
    const admin = platformAdmin()
    try {
      await admin.alterConsumerGroupOffsets({
        groupId: outside,
        topics: [{ name: a.topic, partitionOffsets: [{ partition: 0, offset: 0n }] }],
      })
    } finally {
      await admin.close()
    }

    const theirs = { params: { path: { ...a.main, group: 'shop-readers' } } }
    expect((await expectProblem(b.owner.GET(groupPath, theirs), 404)).code).toBe('not_found')
    await expectProblem(b.owner.GET(groupsPath, { params: { path: a.main } }), 404)
    await expectProblem(
      b.owner.POST(resetPath, { ...theirs, body: { to: 'earliest', dryRun: true } }),
      404,
    )
    // In their own cluster, the same short name is another Kafka group: theirs, which is none.
    const own = { params: { path: { ...b.main, group: 'shop-readers' } } }
    await expectProblem(b.owner.GET(groupPath, own), 404)
    const listed = await expectAnswer(b.owner.GET(groupsPath, { params: { path: b.main } }), 200)
    expect(listed.items).toEqual([])

    const mine = await expectAnswer(a.owner.GET(groupsPath, { params: { path: a.main } }), 200)
    expect(mine.items.map((g) => g.name)).toEqual(['shop-readers'])
    await expectProblem(
      a.owner.GET(groupPath, { params: { path: { ...a.main, group: outside } } }),
      404,
    )
  })

  test('a viewer reads groups but may not reset them; a developer may', async () => {
    const shop = await aShop(product)
    await produce(shop, [2, 0])
    await aGroupThatRead(shop, 'shop-readers', 1)
    const path = { ...shop.main, group: 'shop-readers' }
    const viewer = product.as(await aMember(product.api, shop.tenant, 'viewer'))
    await expectAnswer(viewer.GET(groupsPath, { params: { path: shop.main } }), 200)
    await expectAnswer(viewer.GET(groupPath, { params: { path } }), 200)
    const refused = await expectProblem(
      viewer.POST(resetPath, { params: { path }, body: { to: 'earliest' } }),
      403,
    )
    expect(refused.code).toBe('forbidden')
    const developer = product.as(await aMember(product.api, shop.tenant, 'developer'))
    const reset = await expectAnswer(
      developer.POST(resetPath, { params: { path }, body: { to: 'earliest' } }),
      200,
    )
    expect(reset.partitions).toEqual([
      { topic: 'orders', partition: 0, previousOffset: 1, newOffset: 0 },
    ])
  })

  describe('when the Kafka of the pool does not answer', () => {
    let silent: Server
    const sockets = new Set<Socket>()
    beforeAll(async () => {
      // Takes connections and never says a word: neither a refusal nor an answer.
      silent = createServer((socket) => {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
      })
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    })
    afterAll(async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    })

    test('answers 503 within seconds, not a hang', async () => {
      const tenant = await aTenant(product.api)
      const owner = product.as(tenant.owner)
      const main = { org: tenant.org, cluster: 'main' }
      await ready(
        owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
          params: { path: main, query: { wait: 'true' } },
          body: { type: 'shared' },
        }),
      )
      // A pool no operator looks after (it has no test-shard label), on the silent port.
      const pool = uniqueName('silent-pool')
      await apply(product.kube, KafkaPools, {
        metadata: { name: pool },
        spec: {
          bootstrapServers: [`127.0.0.1:${(silent.address() as { port: number }).port}`],
          saslMechanism: env.kafka.saslMechanism,
          adminCredentialsSecretRef: { name: 'kafka-admin', namespace: product.world.namespace },
          capacity: { maxPartitions: 1 },
        },
      })
      await product.api.database.db
        .update(clusters)
        .set({ pool })
        .where(and(eq(clusters.orgId, tenant.orgId), eq(clusters.name, 'main')))

      const started = Date.now()
      const problem = await expectProblem(owner.GET(groupsPath, { params: { path: main } }), 503)
      expect(problem.code).toBe('unavailable')
      expect(problem.detail).toMatch(/Kafka did not answer/)
      expect(Date.now() - started).toBeLessThan(15_000)
    })
  })
})

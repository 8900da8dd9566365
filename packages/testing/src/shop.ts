import '@fjord/kafka/connection-errors'
import type { Answer, FjordClient } from '@fjord/client'
import {
  Consumer,
  type ConsumerOptions,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka'
import { expect } from 'vitest'
import { expectAnswer } from './answers.ts'
import type { aProduct } from './product.ts'
import { aTenant } from './tenants.ts'

// A tenant's shop on the whole product: what the tests of consumer groups (api and cli) stand
// on, with a Kafka client logged in as the tenant's service account.

type Product = Awaited<ReturnType<typeof aProduct>>

const wait = { wait: 'true' } as const

/** A PUT with ?wait=true: fails the test unless the resource is Ready. */
export async function ready(put: Promise<Answer>): Promise<void> {
  const answer = await put
  expect([200, 201], JSON.stringify(answer.error)).toContain(answer.response.status)
  expect(answer.data).toMatchObject({ status: { phase: 'Ready' } })
}

/**
 * A tenant with a Ready cluster `main`, a topic `orders` of two partitions, and a service
 * account `shop` that may use it and the groups `shop-*`, with a credential Kafka takes.
 */
export async function aShop(product: Product) {
  const tenant = await aTenant(product.api)
  return { tenant, ...(await aShopOf(product.as(tenant.owner), tenant.org)) }
}

/** The same shop, made through the REST API only by the owner of `org` (however it was made). */
export async function aShopOf(owner: FjordClient, org: string) {
  const main = { org, cluster: 'main' }
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
  expect(credential.loginReady).toBe(true)
  const prefix = `${org}-main.`
  const client = { clientId: 'shop', ...credential.clientConfig.node }
  return { owner, main, prefix, topic: `${prefix}orders`, client, credential }
}

export type Shop = Awaited<ReturnType<typeof aShop>>

/** Produces `counts[p]` messages to each partition p of `orders`; answers the counts back. */
export async function produce(shop: Shop, counts: number[]): Promise<number[]> {
  const producer = new Producer({ ...shop.client, serializers: stringSerializers })
  try {
    for (const [partition, count] of counts.entries()) {
      const messages = Array.from({ length: count }, (_, i) => ({
        topic: shop.topic,
        partition,
        value: `${partition}-${i}`,
      }))
      await producer.send({ messages })
    }
  } finally {
    await producer.close()
  }
  return counts
}

/**
 * A consumer of `group` (a short name) that joined and reads `orders` from its start, by the
 * classic group protocol (JoinGroup) or KIP-848's (`consumer`).
 */
export async function aConsumer(
  shop: Shop,
  group: string,
  groupProtocol: ConsumerOptions<string, string, string, string>['groupProtocol'] = 'classic',
) {
  const consumer = new Consumer({
    ...shop.client,
    groupId: shop.prefix + group,
    deserializers: stringDeserializers,
    autocommit: false,
    groupProtocol,
  })
  const stream = await consumer.consume({ topics: [shop.topic], mode: 'earliest' })
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

/** What the group `group` left unread: it read and committed `count` messages, then left. */
export async function aGroupThatRead(shop: Shop, group: string, count: number) {
  const consumer = await aConsumer(shop, group)
  try {
    return await consumer.readAndCommit(count)
  } finally {
    await consumer.close()
  }
}

/**
 * What a group that committed `committed` (the next offset per partition) has left of
 * `produced` messages per partition: each partition's line as the API shows it, and the total.
 */
export function lagLeft(produced: number[], committed: Map<number, number>) {
  const partitions = [...committed]
    .sort(([a], [b]) => a - b)
    .map(([partition, next]) => ({
      topic: 'orders',
      partition,
      committedOffset: next,
      endOffset: produced[partition],
      lag: (produced[partition] ?? 0) - next,
      memberId: null,
    }))
  return { partitions, lag: partitions.reduce((sum, row) => sum + row.lag, 0) }
}

/** The partitions of `orders` a reset to the earliest offset moves, from `committed` to 0. */
export function earliestReset(committed: Map<number, number>) {
  return [...committed]
    .sort(([a], [b]) => a - b)
    .map(([partition, next]) => ({
      topic: 'orders',
      partition,
      previousOffset: next,
      newOffset: 0,
    }))
}

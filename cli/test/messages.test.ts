import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Answer, Data } from '@fjord/client'
import type { components } from '@fjord/client/schema'
import { expectAnswer } from '@fjord/testing/answers'
import { type Served, serveOnPort } from '@fjord/testing/http'
import { kcat } from '@fjord/testing/kcat'
import { aProduct } from '@fjord/testing/product'
import { anApiKey, aTenant } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { credentialKey, loadConfig, type StoredCredential, saveConfig } from '../src/config.ts'
import { aUser, expectExit } from './support.ts'

// Produce and consume through the stack's real Kafka: the product (api, provisioner, operator)
// runs in this process and is served over HTTP; fjord runs as a subprocess, logged in with an
// API key, and reaches Kafka with a service account's credential kept in its profile.

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url))

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

type Acl = components['schemas']['Acl']

/** Fails the test unless the change answered Ready (the PUT waits for it). */
async function ready<A extends Answer>(put: Promise<A>): Promise<Data<A>> {
  const answer = await put
  const shown = await expectAnswer(answer, answer.response.status === 200 ? 200 : 201)
  expect(shown).toMatchObject({ status: { phase: 'Ready' } })
  return shown
}

const wait = { wait: 'true' } as const
const readWrite: Acl[] = [
  {
    resourceType: 'topic',
    patternType: 'prefixed',
    name: 'orders',
    operations: ['read', 'write', 'describe'],
  },
  { resourceType: 'group', patternType: 'prefixed', name: 'shop-', operations: ['read'] },
]

/**
 * A tenant with a Ready cluster `main` and a user of fjord logged in to it with an admin key;
 * `withTopic` and `withServiceAccount` add to it.
 */
async function aTenantOnKafka() {
  const tenant = await aTenant(product.api)
  const owner = product.as(tenant.owner)
  const main = { org: tenant.org, cluster: 'main' }
  await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: main, query: wait },
      body: { type: 'shared' },
    }),
  )
  const key = await anApiKey(product.api, tenant, 'admin')
  const loggedIn = { FJORD_API_KEY: key.token, FJORD_ORG: tenant.org, FJORD_CLUSTER: 'main' }
  const user = await aUser(served.url, loggedIn)
  const env = {
    ...loggedIn,
    PATH: process.env.PATH ?? '',
    FJORD_API_URL: served.url,
    XDG_CONFIG_HOME: dirname(dirname(user.configPath)),
  }
  return {
    ...user,
    org: tenant.org,
    /** fjord started in the background, to be stopped by a signal as a user stops it. */
    start(args: string[]) {
      const child = spawn(process.execPath, [entry, ...args], { env })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => {
        stdout += chunk
      })
      child.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
      return {
        stdout: () => stdout,
        stderr: () => stderr,
        type: (text: string) => child.stdin.write(text),
        async stop(signal: NodeJS.Signals) {
          child.kill(signal)
          return exited
        },
      }
    },
    async withTopic(topic: string, partitions = 3) {
      await ready(
        owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
          params: { path: { ...main, topic }, query: wait },
          body: { partitions },
        }),
      )
    },
    /** A service account with `acls`, its credential issued by fjord, which keeps it in the profile. */
    async withServiceAccount(serviceAccount: string, acls: Acl[] = readWrite) {
      const path = { ...main, serviceAccount }
      await ready(
        owner.PUT('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
          params: { path, query: wait },
          body: { acls },
        }),
      )
      const issued = await expectExit(
        user.fjord(['service-accounts', 'credentials', 'create', serviceAccount, '-o', 'json']),
        0,
      )
      expect(JSON.parse(issued.stdout)).toMatchObject({ loginReady: true })
    },
  }
}

interface JsonRecord {
  topic: string
  partition: number
  offset: number
  timestamp: string
  key: string | { base64: string } | null
  value: string | { base64: string } | null
  headers: { key: string; value: string | { base64: string } | null }[]
}

const jsonLines = <T = JsonRecord>(stdout: string): T[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T)

describe('fjord topics produce and consume', () => {
  test('write records and read them back by short names, with key, value and headers intact', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders')
    await user.withServiceAccount('shop')

    const produced = await expectExit(
      user.fjord(
        [
          'topics',
          'produce',
          'orders',
          '--key',
          'order-1',
          '-H',
          'source=web',
          '-H',
          'v=2',
          '-o',
          'json',
        ],
        {},
        '{"id":1}\n\n{"id":2}\n{"id":3}\n',
      ),
      0,
    )
    const written = jsonLines<{ topic: string; partition: number; offset: number }>(produced.stdout)
    expect(written).toHaveLength(3)
    // One key, one partition, offsets one after the other.
    const [first] = written
    expect(written).toEqual([0, 1, 2].map((i) => ({ ...first, offset: (first?.offset ?? 0) + i })))
    expect(first?.topic).toBe('orders')
    expect(produced.stderr).toContain(
      `Wrote 3 records to orders (partition ${first?.partition}: offsets 0-2) as shop`,
    )

    const consumed = await expectExit(
      user.fjord(['topics', 'consume', 'orders', '-o', 'start:end']),
      0,
    )
    const records = jsonLines(consumed.stdout)
    expect(records.map(({ timestamp, ...rest }) => rest)).toEqual(
      ['{"id":1}', '{"id":2}', '{"id":3}'].map((value, i) => ({
        topic: 'orders',
        partition: first?.partition,
        offset: i,
        key: 'order-1',
        value,
        headers: [
          { key: 'source', value: 'web' },
          { key: 'v', value: '2' },
        ],
      })),
    )
    for (const { timestamp } of records) {
      expect(Math.abs(Date.parse(timestamp) - Date.now())).toBeLessThan(60_000)
    }

    // As a terminal shows it: where each record is, then its value.
    const text = await expectExit(
      user.fjord(['topics', 'consume', 'orders', '-o', ':1', '-f', 'text']),
      0,
    )
    expect(text.stdout).toBe(
      `topic orders  partition ${first?.partition}  offset 0  timestamp ${records[0]?.timestamp}  key order-1  headers source=web,v=2\n{"id":1}\n`,
    )
  })

  test('consume prints bytes that are not UTF-8 as base64, and its JSON lines produce the same records again', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders-binary', 1)
    await user.withTopic('orders-copy', 1)
    await user.withServiceAccount('shop')
    const line = JSON.stringify({
      key: null,
      value: { base64: Buffer.from([0xff, 0x00, 0x01]).toString('base64') },
      headers: [{ key: 'trace', value: null }],
    })
    await expectExit(
      user.fjord(['topics', 'produce', 'orders-binary', '-f', 'json'], {}, `${line}\n`),
      0,
    )
    const read = await expectExit(
      user.fjord(['topics', 'consume', 'orders-binary', '-o', ':end']),
      0,
    )
    expect(jsonLines(read.stdout)).toMatchObject([
      { key: null, value: { base64: '/wAB' }, headers: [{ key: 'trace', value: null }] },
    ])

    await expectExit(
      user.fjord(['topics', 'produce', 'orders-copy', '-f', 'json'], {}, read.stdout),
      0,
    )
    const copied = await expectExit(
      user.fjord(['topics', 'consume', 'orders-copy', '-o', ':end']),
      0,
    )
    const strip = ({ topic, timestamp, ...rest }: JsonRecord) => rest
    expect(jsonLines(copied.stdout).map(strip)).toEqual(jsonLines(read.stdout).map(strip))
  })

  test('a credential issued before its cluster had bootstrap servers logs in with the cluster’s', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders', 1)
    await user.withServiceAccount('shop')
    const config = await loadConfig(user.configPath)
    const key = credentialKey(user.org, 'main', 'shop')
    const stored = config.profiles.default?.credentials?.[key]
    expect(stored?.bootstrapServers).toEqual(expect.any(String))
    await saveConfig(user.configPath, {
      ...config,
      profiles: {
        default: {
          ...config.profiles.default,
          credentials: { [key]: { ...stored, bootstrapServers: null } as StoredCredential },
        },
      },
    })
    await expectExit(user.fjord(['topics', 'produce', 'orders'], {}, 'late\n'), 0)
    const read = await expectExit(user.fjord(['topics', 'consume', 'orders', '-o', ':end']), 0)
    expect(jsonLines(read.stdout)).toMatchObject([{ value: 'late' }])
  })

  test('-o -N reads the last N of a partition, --max stops after N, and key-value lines keep their keys', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders-tail')
    await user.withServiceAccount('shop')
    const lines = ['a\t1', 'b\t2', 'c\t3', 'd\t4', 'e\t5'].join('\n')
    await expectExit(
      user.fjord(['topics', 'produce', 'orders-tail', '-f', 'key-value', '-p', '1'], {}, lines),
      0,
    )

    const last = await expectExit(
      user.fjord(['topics', 'consume', 'orders-tail', '-p', '1', '-o', '-2:end']),
      0,
    )
    expect(jsonLines(last.stdout).map(({ key, value, offset }) => [key, value, offset])).toEqual([
      ['d', '4', 3],
      ['e', '5', 4],
    ])

    const two = await expectExit(
      user.fjord([
        'topics',
        'consume',
        'orders-tail',
        '--from-beginning',
        '-n',
        '2',
        '-f',
        'value',
      ]),
      0,
    )
    expect(two.stdout).toBe('1\n2\n')
    expect(two.stderr).toContain('Read 2 records.')
  })

  test('a key lands in the partition a Java client (murmur2) puts it in', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders-keys', 3)
    await user.withServiceAccount('shop')
    const keys = Array.from({ length: 12 }, (_, i) => `customer-${i}`)
    const lines = keys.map((key) => `${key}\tby fjord`).join('\n')
    await expectExit(
      user.fjord(['topics', 'produce', 'orders-keys', '-f', 'key-value'], {}, lines),
      0,
    )
    const config = await loadConfig(user.configPath)
    const login = config.profiles.default?.credentials?.[credentialKey(user.org, 'main', 'shop')]
    const javaLike = await kcat(
      { username: login?.username ?? '', password: login?.password ?? '' },
      ['-P', '-t', `${user.org}-main.orders-keys`, '-K', '\t', '-X', 'partitioner=murmur2_random'],
      keys.map((key) => `${key}\tby kcat`).join('\n'),
    )
    expect(javaLike.code, javaLike.stderr).toBe(0)

    const read = jsonLines(
      (await expectExit(user.fjord(['topics', 'consume', 'orders-keys', '-o', ':end']), 0)).stdout,
    )
    expect(read).toHaveLength(24)
    const partitionsOf = (key: string) =>
      new Set(read.filter((record) => record.key === key).map((record) => record.partition))
    for (const key of keys) expect([key, partitionsOf(key).size]).toEqual([key, 1])
    expect(new Set(read.map((record) => record.partition)).size).toBeGreaterThan(1)
  })

  test('a group starts where it left off: what one consume committed the next does not read again', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders-group')
    await user.withServiceAccount('shop')
    const values = Array.from({ length: 9 }, (_, i) => `order ${i}`)
    await expectExit(user.fjord(['topics', 'produce', 'orders-group'], {}, values.join('\n')), 0)

    const group = ['-g', 'shop-billing', '-o', 'start']
    const first = await expectExit(
      user.fjord(['topics', 'consume', 'orders-group', ...group, '-n', '4']),
      0,
    )
    const rest = await expectExit(
      user.fjord(['topics', 'consume', 'orders-group', ...group.slice(0, 2), '-o', 'start:end']),
      0,
    )
    const firstRecords = jsonLines(first.stdout)
    const restRecords = jsonLines(rest.stdout)
    expect(firstRecords).toHaveLength(4)
    expect([...firstRecords, ...restRecords].map((r) => r.value).sort()).toEqual(values.sort())

    // Caught up: the group has nothing left, and :end says so at once.
    const none = await expectExit(
      user.fjord(['topics', 'consume', 'orders-group', ...group.slice(0, 2), '-o', ':end']),
      0,
    )
    expect(none.stdout).toBe('')
  })

  test('tail shows records written after it started, then stops at --max', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders-live', 1)
    await user.withServiceAccount('shop')
    await expectExit(user.fjord(['topics', 'produce', 'orders-live'], {}, 'old\n'), 0)

    const tail = user.fjord(['topics', 'tail', 'orders-live', '-n', '1'])
    let done = false
    void tail.then(() => {
      done = true
    })
    // tail starts at the end it finds: write until it has seen one.
    for (let i = 0; !done && i < 60; i += 1) {
      await expectExit(user.fjord(['topics', 'produce', 'orders-live'], {}, `new ${i}\n`), 0)
    }
    const result = await expectExit(tail, 0)
    expect(jsonLines(result.stdout)).toMatchObject([{ topic: 'orders-live', value: /^new \d+$/ }])
  })

  test('SIGTERM or Ctrl-C ends produce and consume cleanly: a group commits what it printed', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders-stop', 1)
    await user.withServiceAccount('shop')
    // Records go as they are typed; Ctrl-C ends the input.
    const produce = user.start(['topics', 'produce', 'orders-stop', '-o', 'json'])
    produce.type('a\nb\n')
    await expect.poll(() => jsonLines(produce.stdout()).length, { timeout: 60_000 }).toBe(2)
    produce.type('c\n')
    await expect.poll(() => jsonLines(produce.stdout()).length, { timeout: 60_000 }).toBe(3)
    expect(await produce.stop('SIGINT')).toBe(0)
    expect(produce.stderr()).toContain('Wrote 3 records to orders-stop (partition 0: offsets 0-2)')

    const group = user.start(['topics', 'consume', 'orders-stop', '-g', 'shop-x', '-o', 'start'])
    const tail = user.start(['topics', 'tail', 'orders-stop'])
    await expect.poll(() => jsonLines(group.stdout()).length, { timeout: 60_000 }).toBe(3)
    await expect.poll(tail.stderr, { timeout: 60_000 }).toContain('Ctrl-C stops')
    expect(await group.stop('SIGTERM')).toBe(0)
    expect(await tail.stop('SIGINT')).toBe(0)
    expect(group.stderr()).toContain('Read 3 records.')
    expect(tail.stderr()).toContain('Read 0 records.')

    const again = await expectExit(
      user.fjord(['topics', 'consume', 'orders-stop', '-g', 'shop-x', '-o', 'start:end']),
      0,
    )
    expect(again.stdout).toBe('')
  })
})

describe('fjord topics produce and consume refuse', () => {
  test('a write the service account has no ACL for, and say which ACL to add', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders')
    await user.withServiceAccount('reader', [
      { resourceType: 'topic', name: 'orders', operations: ['read', 'describe'] },
    ])
    const refused = await expectExit(user.fjord(['topics', 'produce', 'orders'], {}, 'x\n'), 1)
    expect(refused.stderr).toContain('error: the service account reader may not write to orders (')
    expect(refused.stderr).toContain(
      'hint: add an ACL: `fjord service-accounts acl add reader --topic orders --operation write`',
    )
  })

  test('a group the service account has no ACL for', async () => {
    const user = await aTenantOnKafka()
    await user.withTopic('orders', 1)
    await user.withServiceAccount('shop')
    const refused = await expectExit(
      user.fjord(['topics', 'consume', 'orders', '-g', 'billing', '-o', ':end']),
      1,
    )
    expect(refused.stderr).toContain(
      'error: the service account shop may not use the group billing (GROUP_AUTHORIZATION_FAILED)',
    )
    expect(refused.stderr).toContain(
      'hint: add an ACL: `fjord service-accounts acl add shop --group billing --operation read`',
    )
  })

  test('to run without a stored credential, and say how to get one', async () => {
    const user = await aTenantOnKafka()
    const run = await expectExit(user.fjord(['topics', 'consume', 'orders']), 1)
    expect(run.stderr).toContain('no stored credential of a service account for cluster main')
    expect(run.stderr).toContain('fjord service-accounts credentials create <service-account>')
    const named = await expectExit(
      user.fjord(['topics', 'produce', 'orders', '--service-account', 'shop'], {}, 'x\n'),
      1,
    )
    expect(named.stderr).toContain('hint: run `fjord service-accounts credentials create shop`')
  })

  test('a topic the cluster does not have', async () => {
    const user = await aTenantOnKafka()
    await user.withServiceAccount('shop')
    const run = await expectExit(user.fjord(['topics', 'consume', 'orders-nowhere']), 1)
    expect(run.stderr).toContain('error: no topic orders-nowhere in cluster main')
  })

  test('a topic named with its Kafka prefix, instead of doubling it', async () => {
    const user = await aTenantOnKafka()
    await user.withServiceAccount('shop')
    const prefix = `${user.org}-main.`
    const run = await expectExit(user.fjord(['topics', 'consume', `${prefix}orders`]), 2)
    expect(run.stderr).toContain(`topic "${prefix}orders" carries the cluster's prefix ${prefix}`)
    expect(run.stderr).toContain('hint: fjord adds it: name the topic orders')
  })

  test('an offset outside the grammar, with the usage', async () => {
    const user = await aUser(served.url)
    const run = await expectExit(user.fjord(['topics', 'consume', 'orders', '-o', 'soon']), 2)
    expect(run.stderr).toContain('"soon" is no offset')
    expect(run.stderr).toContain('Usage: fjord topics consume')
    const group = await expectExit(
      user.fjord(['topics', 'consume', 'orders', '-g', 'shop-x', '-o', '-5']),
      2,
    )
    expect(group.stderr).toContain('with --group, -o is start or end')
  })
})

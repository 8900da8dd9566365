import { execFile } from 'node:child_process'
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type Served, serveOnPort } from '@fjord/testing/http'
import { kcatWithProperties } from '@fjord/testing/kcat'
import { aProduct } from '@fjord/testing/product'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { aSignedUpUser, expectExit } from './support.ts'

// Credentials need the whole product: the api writes the password into a Kubernetes Secret
// and answers once Kafka takes it. fjord runs as a subprocess against that api over HTTP.
let product: Awaited<ReturnType<typeof aProduct>>
let served: Served
let user: Awaited<ReturnType<typeof aSignedUpUser>>
beforeAll(async () => {
  product = await aProduct()
  served = await serveOnPort(product.api.fetch)
  user = await aSignedUpUser(served.url)
})
afterAll(async () => {
  await served?.close()
  await product?.stop()
})

const json = (stdout: string) => JSON.parse(stdout)

/** A Ready service account of the shared user's cluster, named for the test. */
async function aServiceAccount(name: string, ...args: string[]) {
  await expectExit(
    user.fjord(['service-accounts', 'create', name, ...args, '--wait', '--timeout', '120']),
    0,
  )
  return name
}

async function savedCredentials(): Promise<Record<string, Record<string, unknown>>> {
  return parse(await readFile(user.configPath, 'utf8')).profiles.default.credentials ?? {}
}

/** `key=value` lines as a map, as librdkafka and Java read a properties file. */
function properties(text: string): Record<string, string> {
  const lines = text.split('\n').filter((line) => line && !line.startsWith('#'))
  return Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
}

describe('fjord service-accounts credentials', () => {
  test('create saves the login 0600 in the profile and prints it in each format', async () => {
    const shop = await aServiceAccount('shop', '--acl', 'topic:orders:read,write')
    const key = `${user.org}/main/${shop}`

    const kcat = await expectExit(
      user.fjord(['service-accounts', 'credentials', 'create', shop, '--format', 'kcat']),
      0,
    )
    expect(kcat.stderr).toContain('shown only now')
    expect((await stat(user.configPath)).mode & 0o777).toBe(0o600)
    let saved = (await savedCredentials())[key]
    expect(saved).toMatchObject({
      username: `${user.org}-main.${shop}`,
      saslMechanism: 'SCRAM-SHA-512',
      topicPrefix: `${user.org}-main.`,
      bootstrapServers: expect.any(String),
    })
    expect(properties(kcat.stdout)).toEqual({
      'bootstrap.servers': saved?.bootstrapServers,
      'security.protocol': saved?.securityProtocol,
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': saved?.username,
      'sasl.password': saved?.password,
    })
    // A file kcat -F takes as it is, and logs in with.
    const metadata = await kcatWithProperties(kcat.stdout, ['-L'])
    expect(metadata, metadata.stderr).toMatchObject({ code: 0, stderr: '' })

    // Each create replaces the password; the profile keeps the newest.
    const java = await expectExit(
      user.fjord(['service-accounts', 'credentials', 'create', shop, '--format', 'java']),
      0,
    )
    saved = (await savedCredentials())[key]
    expect(properties(java.stdout)).toMatchObject({
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${saved?.username}" password="${saved?.password}";`,
    })

    const node = await expectExit(
      user.fjord(['service-accounts', 'credentials', 'create', shop, '--format', 'node']),
      0,
    )
    saved = (await savedCredentials())[key]
    expect(json(node.stdout)).toEqual({
      bootstrapBrokers: String(saved?.bootstrapServers).split(','),
      sasl: { mechanism: 'SCRAM-SHA-512', username: saved?.username, password: saved?.password },
    })

    const env = await expectExit(
      user.fjord(['service-accounts', 'credentials', 'create', shop, '--format', 'env']),
      0,
    )
    saved = (await savedCredentials())[key]
    const file = join(await mkdtemp(join(tmpdir(), 'fjord-env-')), 'shop.env')
    await writeFile(file, env.stdout)
    const sourced = await promisify(execFile)('bash', [
      '-c',
      'set -a; . "$1"; printf "%s\\n" "$KAFKA_BOOTSTRAP_SERVERS" "$KAFKA_SASL_USERNAME" "$KAFKA_SASL_PASSWORD" "$KAFKA_TOPIC_PREFIX"',
      'bash',
      file,
    ])
    expect(sourced.stdout.split('\n').slice(0, 4)).toEqual([
      saved?.bootstrapServers,
      saved?.username,
      saved?.password,
      saved?.topicPrefix,
    ])

    const whole = json(
      (
        await expectExit(
          user.fjord(['service-accounts', 'credentials', 'create', shop, '-o', 'json']),
          0,
        )
      ).stdout,
    )
    saved = (await savedCredentials())[key]
    expect(whole).toMatchObject({
      id: saved?.id,
      password: saved?.password,
      loginReady: true,
      connection: { username: saved?.username, password: saved?.password },
      clientConfig: { kcat: expect.stringContaining(`sasl.password=${saved?.password}`) },
    })

    const listed = json(
      (await expectExit(user.fjord(['service-accounts', 'credentials', 'list', shop]), 0)).stdout,
    )
    expect(listed).toEqual([
      {
        id: saved?.id,
        username: saved?.username,
        mechanism: 'SCRAM-SHA-512',
        createdAt: expect.any(String),
        saved: true,
      },
    ])
    const both = await expectExit(
      user.fjord([
        'service-accounts',
        'credentials',
        'create',
        shop,
        '--format',
        'env',
        '-o',
        'json',
      ]),
      2,
    )
    expect(both.stderr).toContain('--format and -o/--json do not go together')
  })

  test('delete revokes the credential and forgets it; --dry-run changes nothing', async () => {
    const billing = await aServiceAccount('billing')
    const key = `${user.org}/main/${billing}`
    await expectExit(
      user.fjord(['service-accounts', 'credentials', 'create', billing, '-o', 'json']),
      0,
    )
    const saved = (await savedCredentials())[key]
    expect(saved).toMatchObject({ username: `${user.org}-main.${billing}` })

    const dryRun = await expectExit(
      user.fjord(['service-accounts', 'credentials', 'delete', billing, '--dry-run']),
      0,
    )
    expect(dryRun.stderr).toContain(`Would revoke the credential ${saved?.id}`)
    expect((await savedCredentials())[key]).toEqual(saved)
    const still = json(
      (await expectExit(user.fjord(['service-accounts', 'credentials', 'list', billing]), 0))
        .stdout,
    )
    expect(still).toHaveLength(1)

    await expectExit(user.fjord(['service-accounts', 'credentials', 'delete', billing]), 2)
    await expectExit(user.fjord(['service-accounts', 'credentials', 'delete', billing, '--yes']), 0)
    expect((await savedCredentials())[key]).toBeUndefined()
    expect(
      json(
        (await expectExit(user.fjord(['service-accounts', 'credentials', 'list', billing]), 0))
          .stdout,
      ),
    ).toEqual([])
    const none = await expectExit(
      user.fjord(['service-accounts', 'credentials', 'delete', billing, '--yes']),
      1,
    )
    expect(none.stderr).toContain(`error: service account ${billing} has no credential`)
  })
})

describe('fjord service-accounts', () => {
  test('creates with ACLs, lists, gets, updates and deletes a service account', async () => {
    const created = json(
      (
        await expectExit(
          user.fjord([
            'service-accounts',
            'create',
            'web',
            '--description',
            'the web shop',
            '--acl',
            'topic:orders:write,read',
            '--acl',
            'group:web-*:read',
          ]),
          0,
        )
      ).stdout,
    )
    expect(created).toEqual({
      name: 'web',
      cluster: 'main',
      principal: `User:${user.org}-main.web`,
      description: 'the web shop',
      acls: ['topic:orders:read,write', 'group:web-*:read'],
      phase: 'Pending',
      createdAt: expect.any(String),
    })
    const listed = json((await expectExit(user.fjord(['service-accounts', 'list']), 0)).stdout)
    expect(listed.map((account: { name: string }) => account.name)).toContain('web')
    const got = parse(
      (await expectExit(user.fjord(['service-accounts', 'get', 'web', '-o', 'yaml']), 0)).stdout,
    )
    expect(got).toMatchObject({ name: 'web', acls: created.acls })

    const updated = json(
      (
        await expectExit(
          user.fjord(['service-accounts', 'update', 'web', '--acl', 'topic:orders:read']),
          0,
        )
      ).stdout,
    )
    expect(updated).toMatchObject({ description: 'the web shop', acls: ['topic:orders:read'] })
    const nothing = await expectExit(user.fjord(['service-accounts', 'update', 'web']), 2)
    expect(nothing.stderr).toContain('nothing to change')
    const badAcl = await expectExit(
      user.fjord(['service-accounts', 'create', 'x1', '--acl', 'topic:orders:fly']),
      2,
    )
    expect(badAcl.stderr).toContain('unknown operation "fly"')
    // The API checks what the notation cannot: a group knows no write.
    const refused = await expectExit(
      user.fjord(['service-accounts', 'create', 'x2', '--acl', 'group:g:write']),
      1,
    )
    expect(refused.stderr).toMatch(
      /\(validation_failed\)\n {2}acls\.0\.operations: write does not apply to a group/,
    )

    const dryRun = await expectExit(
      user.fjord(['service-accounts', 'delete', 'web', '--dry-run']),
      0,
    )
    expect(dryRun.stderr).toContain('Would delete service account web')
    expect(
      json((await expectExit(user.fjord(['service-accounts', 'get', 'web']), 0)).stdout).phase,
    ).not.toBe('Deleting')
    await expectExit(user.fjord(['service-accounts', 'delete', 'web']), 2)
    await expectExit(user.fjord(['service-accounts', 'delete', 'web', '--yes']), 0)
    const gone = await user.fjord(['service-accounts', 'get', 'web'])
    // Deleting, or already gone once Kafka let go.
    if (gone.code === 0) expect(json(gone.stdout).phase).toBe('Deleting')
    else expect(gone.stderr).toContain('(not_found)')
  })

  test('acl add and remove edit the list without losing a change made at the same time', async () => {
    const name = await aServiceAccount(
      'orders-app',
      '--acl',
      'topic:orders:read',
      '--description',
      'orders',
    )
    const acl = (...args: string[]) =>
      user.fjord(['service-accounts', 'acl', ...args.slice(0, 1), name, ...args.slice(1)])

    // Two edits at once (the status watcher writes meanwhile too): If-Match keeps both.
    await Promise.all([
      expectExit(acl('add', '--topic', 'payments', '--operation', 'write'), 0),
      expectExit(acl('add', '--group', 'orders-', '--prefixed', '--operation', 'read'), 0),
      expectExit(acl('add', '--topic', 'orders', '--operation', 'describe'), 0),
    ])
    const listed = json((await expectExit(acl('list'), 0)).stdout)
    expect(listed).toEqual(
      expect.arrayContaining([
        {
          resourceType: 'topic',
          patternType: 'literal',
          name: 'orders',
          operations: ['read', 'describe'],
        },
        { resourceType: 'topic', patternType: 'literal', name: 'payments', operations: ['write'] },
        { resourceType: 'group', patternType: 'prefixed', name: 'orders-', operations: ['read'] },
      ]),
    )
    expect(listed).toHaveLength(3)
    const account = json(
      (await expectExit(user.fjord(['service-accounts', 'get', name]), 0)).stdout,
    )
    expect(account.description).toBe('orders')

    const again = await expectExit(acl('add', '--topic', 'payments', '--operation', 'write'), 0)
    expect(again.stderr).toContain('nothing changed')

    const dryRun = await expectExit(
      acl('remove', '--topic', 'orders', '--operation', 'describe', '--dry-run'),
      0,
    )
    expect(dryRun.stderr).toContain(`Would remove from ${name}: topic:orders:describe`)
    expect(json((await expectExit(acl('list'), 0)).stdout)).toEqual(listed)

    const removed = json(
      (await expectExit(acl('remove', '--topic', 'payments', '--yes'), 0)).stdout,
    )
    expect(removed.acls).toEqual(['topic:orders:read,describe', 'group:orders-*:read'])
    const absent = await expectExit(acl('remove', '--topic', 'payments', '--yes'), 0)
    expect(absent.stderr).toContain('nothing changed')

    const two = await expectExit(
      acl('add', '--topic', 'a', '--group', 'b', '--operation', 'read'),
      2,
    )
    expect(two.stderr).toContain('name exactly one of --topic, --group and --transactional-id')
    await expectExit(acl('add', '--topic', 'a'), 2)
  })

  test('a viewer may read service accounts but not change them or issue credentials', async () => {
    await aServiceAccount('reader')
    const key = json(
      (
        await expectExit(
          user.fjord(['api-keys', 'create', '--name', 'viewer', '--role', 'viewer']),
          0,
        )
      ).stdout,
    )
    const viewer = { FJORD_API_KEY: key.token }
    await expectExit(user.fjord(['service-accounts', 'list'], viewer), 0)
    for (const args of [
      ['create', 'nope'],
      ['acl', 'add', 'reader', '--topic', 'orders', '--operation', 'read'],
      ['credentials', 'create', 'reader'],
    ]) {
      const refused = await expectExit(user.fjord(['service-accounts', ...args], viewer), 1)
      expect(refused.stderr, args.join(' ')).toMatch(/^error: .+ \(forbidden\)\nhint: ask an admin/)
    }
  })

  test("another org's service account is not found", async () => {
    const other = await aSignedUpUser(served.url)
    const theirs = await expectExit(
      user.fjord(['service-accounts', 'get', 'shop', '--org', other.org, '--cluster', 'main']),
      1,
    )
    expect(theirs.stderr).toMatch(/^error: .+ \(not_found\)\n$/)
    await expectExit(
      user.fjord(['service-accounts', 'credentials', 'create', 'shop', '--org', other.org]),
      1,
    )
  })
})

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
async function aServiceAccount(name: string, ...acls: string[]) {
  const args = acls.flatMap((acl) => ['--acl', acl])
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
    const shop = await aServiceAccount('shop', 'topic:orders:read,write')
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

import { readFile, stat, writeFile } from 'node:fs/promises'
import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { type Served, serveOnPort } from '@fjord/testing/http'
import { uniqueName } from '@fjord/testing/names'
import { aMember, aPassword, aTenant } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { aSignedUpUser, aUser, expectExit, password } from './support.ts'

// The api in this process (PGlite in memory, or DATABASE_URL), served over HTTP; fjord runs
// as a subprocess against it, as a user runs it, with a config directory of its own.
let api: TestApi
let served: Served
beforeAll(async () => {
  api = await startTestApi()
  served = await serveOnPort(api.fetch)
})
afterAll(async () => {
  await served?.close()
  await api?.close()
})

describe('fjord', () => {
  test('signs up, logs in, creates a cluster and a topic, lists, gets and deletes it', async () => {
    const user = await aUser(served.url)
    const org = uniqueName('org')
    const email = `${uniqueName('user')}@example.com`
    const signup = await expectExit(
      user.fjord(['signup', '--email', email, '--password', password, '--org', org]),
      0,
    )
    expect(signup.stderr).toContain(`organization ${org} created`)

    // A fresh login from another machine mints another key named after the host.
    const other = await aUser(served.url)
    await expectExit(
      other.fjord(['login', '--email', email, '--password-stdin'], {}, `${password}\n`),
      0,
    )
    const me = JSON.parse((await expectExit(other.fjord(['whoami']), 0)).stdout)
    expect(me).toMatchObject({
      kind: 'api_key',
      role: 'owner',
      orgs: [org],
      org,
      apiUrl: served.url,
    })
    expect(me.apiKey).toMatch(/^cli-[a-z0-9-]+$/)

    const cluster = JSON.parse(
      (await expectExit(other.fjord(['clusters', 'create', 'main']), 0)).stdout,
    )
    expect(cluster).toMatchObject({ name: 'main', phase: 'Pending' })
    await expectExit(other.fjord(['use', 'cluster', 'main']), 0)

    const created = await expectExit(
      other.fjord([
        'topics',
        'create',
        'orders',
        '--partitions',
        '6',
        '--config',
        'retention.ms=604800000',
      ]),
      0,
    )
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'orders',
      cluster: 'main',
      partitions: 6,
      config: { 'retention.ms': '604800000' },
      phase: 'Pending',
    })
    const listed = JSON.parse((await expectExit(other.fjord(['topics', 'list']), 0)).stdout)
    expect(listed.map((topic: { name: string }) => topic.name)).toEqual(['orders'])
    const got = parse(
      (await expectExit(other.fjord(['topics', 'get', 'orders', '-o', 'yaml']), 0)).stdout,
    )
    expect(got).toMatchObject({
      name: 'orders',
      kafkaName: expect.stringContaining('orders'),
      partitions: 6,
    })

    const dryRun = await expectExit(other.fjord(['topics', 'delete', 'orders', '--dry-run']), 0)
    expect(dryRun.stderr).toContain('Would delete topic orders')
    expect(
      JSON.parse((await expectExit(other.fjord(['topics', 'get', 'orders']), 0)).stdout).phase,
    ).toBe('Pending')
    // Without a terminal, fjord refuses to delete unless told --yes.
    await expectExit(other.fjord(['topics', 'delete', 'orders']), 2)
    await expectExit(other.fjord(['topics', 'delete', 'orders', '--yes']), 0)
    const deleting = JSON.parse(
      (await expectExit(other.fjord(['topics', 'get', 'orders']), 0)).stdout,
    )
    expect(deleting.phase).toBe('Deleting')

    // logout revokes the key on the server: the same key no longer works.
    const config = parse(await readFile(other.configPath, 'utf8'))
    const key = config.profiles.default.apiKey as string
    await expectExit(other.fjord(['logout']), 0)
    await expectExit(other.fjord(['whoami']), 4)
    const revoked = await expectExit(user.fjord(['whoami'], { FJORD_API_KEY: key }), 4)
    expect(revoked.stderr).toContain('run `fjord login`')
  })

  test('login asks which org when the user belongs to several, and takes --org', async () => {
    const tenant = await aTenant(api)
    const second = uniqueName('org')
    await expectStatus(
      await api.request('POST', '/v1/orgs', { as: tenant.owner, body: { name: second } }),
      201,
    )
    const user = await aUser(served.url)
    const login = ['login', '--email', tenant.email, '--password', aPassword]
    const ambiguous = await expectExit(user.fjord(login), 2)
    expect(ambiguous.stderr).toContain('you belong to 2 organizations')
    expect(ambiguous.stderr).toContain('hint: pass --org <name>')
    await expectExit(user.fjord([...login, '--org', second]), 0)
    expect(JSON.parse((await expectExit(user.fjord(['whoami']), 0)).stdout)).toMatchObject({
      orgs: [second],
    })
  })

  test('a developer cannot mint a key by logging in, and is told to log in with one', async () => {
    const tenant = await aTenant(api)
    const developer = await aMember(api, tenant, 'developer')
    const user = await aUser(served.url)
    const refused = await expectExit(
      user.fjord([
        'login',
        '--email',
        developer.email,
        '--password',
        aPassword,
        '--org',
        tenant.org,
      ]),
      1,
    )
    expect(refused.stderr).toContain(`you are developer in ${tenant.org}`)
    expect(refused.stderr).toContain('fjord login --api-key')
  })

  test('a topic from a preset takes its configs, and flags override them', async () => {
    const user = await aSignedUpUser(served.url)
    const token = parse(await readFile(user.configPath, 'utf8')).profiles.default.apiKey as string
    const answer = await api.request('GET', '/v1/topic-presets', { as: { kind: 'api_key', token } })
    const presets = (await answer.json()) as {
      items: { id: string; spec: { partitions: number; config: Record<string, unknown> } }[]
    }
    const preset = presets.items[0]
    if (!preset) throw new Error('the api has no presets')
    const topic = JSON.parse(
      (
        await expectExit(
          user.fjord(['topics', 'create', 'clicks', '--preset', preset.id, '--partitions', '2']),
          0,
        )
      ).stdout,
    )
    expect(topic.partitions).toBe(2)
    expect(Object.keys(topic.config).sort()).toEqual(Object.keys(preset.spec.config).sort())
    const unknown = await expectExit(
      user.fjord(['topics', 'create', 'x1', '--preset', 'no-such-preset']),
      2,
    )
    expect(unknown.stderr).toContain(preset.id)
  })

  test('prints JSON, YAML and the fields picked with --json; a bare --json lists the fields', async () => {
    const user = await aSignedUpUser(served.url)
    const yaml = parse((await expectExit(user.fjord(['clusters', 'list', '-o', 'yaml']), 0)).stdout)
    expect(yaml).toEqual([expect.objectContaining({ name: 'main', type: 'shared' })])
    const picked = JSON.parse(
      (await expectExit(user.fjord(['clusters', 'get', 'main', '--json', 'name,phase']), 0)).stdout,
    )
    expect(picked).toEqual({ name: 'main', phase: 'Pending' })
    const bare = await expectExit(user.fjord(['clusters', 'list', '--json']), 2)
    expect(bare.stderr).toContain('name, type, provider, region')
    const wrong = await expectExit(user.fjord(['clusters', 'list', '--json', 'name,colour']), 2)
    expect(wrong.stderr).toContain('unknown --json field colour')
    const table = await expectExit(user.fjord(['clusters', 'list', '-o', 'table']), 0)
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME +TYPE +REGION +PHASE +BOOTSTRAPSERVERS$/)
    // The JSON of a get is exactly the declared shape.
    const topic = JSON.parse(
      (await expectExit(user.fjord(['topics', 'create', 'shape', '-p', '1']), 0)).stdout,
    )
    expect(Object.keys(topic)).toMatchInlineSnapshot(`
      [
        "name",
        "cluster",
        "kafkaName",
        "partitions",
        "replicationFactor",
        "config",
        "phase",
        "createdAt",
      ]
    `)
  })

  test('exits 4 when not logged in, and 2 with the usage for a bad flag', async () => {
    const user = await aUser(served.url)
    const notLoggedIn = await expectExit(user.fjord(['clusters', 'list', '--org', 'acme']), 4)
    expect(notLoggedIn.stderr).toBe(
      'error: not logged in\nhint: run `fjord login`, or set FJORD_API_KEY\n',
    )
    const badFlag = await expectExit(
      user.fjord(['topics', 'create', 'orders', '--partitoins', '3']),
      2,
    )
    expect(badFlag.stderr).toContain("unknown option '--partitoins'")
    expect(badFlag.stderr).toContain('Usage: fjord topics create [options] <name>')
    const badValue = await expectExit(
      user.fjord(['topics', 'create', 'orders', '--partitions', 'six']),
      2,
    )
    expect(badValue.stderr).toContain('expected a positive whole number')
    await expectExit(user.fjord(['help', 'exit-codes']), 0)
    expect((await expectExit(user.fjord(['--version']), 0)).stdout.trim()).toMatch(
      /^\d+\.\d+\.\d+$/,
    )
  })

  test('exits 1 with one clear line for a resource that is not there, or is another org’s', async () => {
    const user = await aSignedUpUser(served.url)
    const stranger = await aSignedUpUser(served.url)
    const missing = await expectExit(user.fjord(['topics', 'get', 'nowhere']), 1)
    expect(missing.stderr).toMatch(/^error: .+ \(not_found\)\n$/)
    const theirs = await expectExit(
      user.fjord(['clusters', 'get', 'main', '--org', stranger.org]),
      1,
    )
    expect(theirs.stderr).toContain('(not_found)')
  })

  test('a quota_exceeded line names the limit, the current use and the maximum', async () => {
    const user = await aSignedUpUser(served.url)
    const refused = await expectExit(
      user.fjord(['topics', 'create', 'big', '--partitions', '31']),
      1,
    )
    expect(refused.stderr).toContain(
      'error: quota exceeded: limit partitions, current 0, maximum 30, asked for 31 more (quota_exceeded)',
    )
    expect(refused.stderr).toContain('hint: raise the quota')
  })

  test('--wait gives up after --timeout while nothing provisions the topic, and says so', async () => {
    const user = await aSignedUpUser(served.url)
    const waited = await expectExit(
      user.fjord(['topics', 'create', 'slow', '--wait', '--timeout', '1']),
      1,
    )
    expect(waited.stderr).toContain('error: topic slow is still Pending after 1s')
  })

  test('a field error is shown under the line', async () => {
    const user = await aSignedUpUser(served.url)
    const refused = await expectExit(user.fjord(['clusters', 'create', 'Not_A_Name']), 1)
    expect(refused.stderr).toMatch(/\(validation_failed\)\n {2}name: /)
  })

  test('a network failure names the URL it tried', async () => {
    const user = await aUser(served.url, { FJORD_API_KEY: 'fjord_whatever' })
    const failed = await expectExit(
      user.fjord(['whoami'], { FJORD_API_URL: 'http://127.0.0.1:9' }),
      1,
    )
    expect(failed.stderr).toContain('could not reach http://127.0.0.1:9/v1/me')
  })

  test('keeps profiles in a file only its owner can read', async () => {
    const user = await aSignedUpUser(served.url)
    expect((await stat(user.configPath)).mode & 0o777).toBe(0o600)
    const profiles = JSON.parse((await expectExit(user.fjord(['profile', 'list']), 0)).stdout)
    expect(profiles).toEqual([
      {
        name: 'default',
        current: true,
        apiUrl: served.url,
        loggedIn: true,
        org: user.org,
        cluster: 'main',
      },
    ])
    await expectExit(user.fjord(['profile', 'use', 'staging']), 0)
    await expectExit(user.fjord(['whoami']), 4)
    await expectExit(user.fjord(['whoami', '--profile', 'default']), 0)
    await expectExit(user.fjord(['profile', 'delete', 'default']), 0)
    expect(JSON.parse((await expectExit(user.fjord(['profile', 'list']), 0)).stdout)).toEqual([
      expect.objectContaining({ name: 'staging', current: true, loggedIn: false }),
    ])
  })

  test('a flag beats the environment, and the environment beats the profile', async () => {
    const user = await aSignedUpUser(served.url)
    const other = await aSignedUpUser(served.url)
    const otherKey = parse(await readFile(other.configPath, 'utf8')).profiles.default
      .apiKey as string
    // The profile points at an API that is not there; FJORD_API_URL wins.
    const config = parse(await readFile(user.configPath, 'utf8'))
    config.profiles.default.apiUrl = 'http://127.0.0.1:9'
    await writeFile(user.configPath, JSON.stringify(config))
    const viaEnv = JSON.parse(
      (
        await expectExit(
          user.fjord(['whoami'], { FJORD_API_KEY: otherKey, FJORD_ORG: other.org }),
          0,
        )
      ).stdout,
    )
    expect(viaEnv).toMatchObject({ orgs: [other.org], org: other.org, apiUrl: served.url })
    const viaFlag = await expectExit(
      user.fjord(['clusters', 'list', '--org', user.org], { FJORD_ORG: other.org }),
      0,
    )
    expect(JSON.parse(viaFlag.stdout)).toEqual([expect.objectContaining({ name: 'main' })])
    await expectExit(user.fjord(['whoami'], { FJORD_API_URL: '' }), 1)
  })
})

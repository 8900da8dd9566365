import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { type Served, serveOnPort } from '@fjord/testing/http'
import { anApiKey, aTenant, recordedChanges, withRoomyQuota } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { Context } from '../src/context.ts'
import { applyPlan } from '../src/declarative/apply.ts'
import { planOf } from '../src/declarative/diff.ts'
import { parseDeclaredFile } from '../src/declarative/file.ts'
import { readOrgState } from '../src/declarative/remote.ts'
import { aUser, expectExit } from './support.ts'

// fjord plan, apply and export as a subprocess against an api served over HTTP. The api keeps
// the desired state, which is all they read and write, so no Kubernetes or Kafka is needed.
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

/** A tenant with an admin key in fjord's environment, a directory for files, and the API. */
async function aDeclarer(options: { roomy?: boolean } = {}) {
  const tenant = await aTenant(api)
  if (options.roomy !== false) await withRoomyQuota(api, tenant)
  const key = await anApiKey(api, tenant, 'admin')
  const user = await aUser(served.url, { FJORD_API_KEY: key.token, FJORD_ORG: tenant.org })
  const dir = await mkdtemp(join(tmpdir(), 'fjord-files-'))
  const file = async (text: string, name = 'fjord.yaml') => {
    const path = join(dir, name)
    await writeFile(path, text)
    return path
  }
  /** A request to the API as the org's owner, behind fjord's back. */
  const call = async (method: string, path: string, body?: unknown) =>
    api.request(method, `/v1/orgs/${tenant.org}${path}`, { as: tenant.owner, body })
  const get = async (path: string) => expectStatus(await call('GET', path), 200)
  const names = async (path: string) =>
    ((await get(path)).items as { name: string }[]).map((item) => item.name)
  return { ...user, tenant, dir, file, call, get, names }
}

const shopFile = `
clusters:
  - name: main
    description: the shop
    topics:
      - name: orders
        partitions: 3
        config:
          retention.ms: 604800000
          cleanup.policy: delete
      - name: refunds
        partitions: 1
    serviceAccounts:
      - name: shop
        acls:
          - resourceType: topic
            name: orders
            operations: [read, write]
          - resourceType: group
            patternType: prefixed
            name: shop-
            operations: [read]
  - name: analytics
    region: local
    topics:
      - name: clicks
        partitions: 2
`

describe('fjord plan, apply and export', () => {
  test('plans a file, applies it, and exports the org as a file that plans no changes', async () => {
    const user = await aDeclarer()
    const path = await user.file(shopFile)

    const plan = await expectExit(user.fjord(['plan', '-f', path]), 0)
    expect(plan.stdout).toContain(`fjord will make these changes in org ${user.tenant.org}:`)
    expect(plan.stdout).toContain(
      [
        // A new cluster's topics take its default replication factor: the API's to say.
        '  + topic main/orders',
        '      + partitions:            3',
        '      + config.cleanup.policy: delete',
        '      + config.retention.ms:   604800000',
      ].join('\n'),
    )
    expect(plan.stdout).toContain('  + service account main/shop\n')
    expect(plan.stdout).toContain('Plan: 6 to add, 0 to change, 0 to destroy.\n')
    // No colour off a terminal.
    expect(plan.stdout).not.toContain('\u001b[')

    const data = JSON.parse(
      (await expectExit(user.fjord(['plan', '-f', path, '-o', 'json']), 0)).stdout,
    )
    expect(data).toMatchObject({
      org: user.tenant.org,
      prune: false,
      summary: { add: 6, change: 0, destroy: 0, unchanged: 0 },
      unmanaged: [],
    })
    expect(data.changes.map((c: { kind: string; name: string }) => `${c.kind} ${c.name}`)).toEqual([
      'cluster analytics',
      'topic clicks',
      'cluster main',
      'topic orders',
      'topic refunds',
      'serviceAccount shop',
    ])
    const yaml = parse((await expectExit(user.fjord(['plan', '-f', path, '-o', 'yaml']), 0)).stdout)
    expect(yaml.summary.add).toBe(6)

    const pending = await expectExit(user.fjord(['plan', '-f', path, '--detailed-exitcode']), 2)
    expect(pending.stderr).toBe('')

    // Off a terminal apply needs --auto-approve; --dry-run applies nothing.
    const refused = await expectExit(user.fjord(['apply', '-f', path]), 2)
    expect(refused.stderr).toContain('refusing to apply without --auto-approve')
    await expectExit(user.fjord(['apply', '-f', path, '--dry-run']), 0)
    expect(await user.names('/clusters')).toEqual([])

    const applied = await expectExit(user.fjord(['apply', '-f', path, '--auto-approve']), 0)
    expect(applied.stdout).toContain('Plan: 6 to add, 0 to change, 0 to destroy.')
    expect(applied.stderr).toContain('Apply complete! Resources: 6 added, 0 changed, 0 destroyed.')
    expect(await user.get('/clusters/main')).toMatchObject({ description: 'the shop' })
    expect(await user.get('/clusters/main/topics/orders')).toMatchObject({
      partitions: 3,
      replicationFactor: 3,
      config: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
    })
    expect(await user.get('/clusters/main/service-accounts/shop')).toMatchObject({
      acls: [
        {
          resourceType: 'topic',
          patternType: 'literal',
          name: 'orders',
          operations: ['read', 'write'],
        },
        { resourceType: 'group', patternType: 'prefixed', name: 'shop-', operations: ['read'] },
      ],
    })
    expect(await user.names('/clusters/analytics/topics')).toEqual(['clicks'])

    const none = await expectExit(user.fjord(['plan', '-f', path, '--detailed-exitcode']), 0)
    expect(none.stdout).toBe(`No changes: org ${user.tenant.org} matches the file.\n`)
    const again = await expectExit(user.fjord(['apply', '-f', path, '-y']), 0)
    expect(again.stdout).toBe(`No changes: org ${user.tenant.org} matches the file.\n`)

    // The export carries the configs set and the ACLs, and plans no changes.
    const exported = join(user.dir, 'exported.yaml')
    await expectExit(user.fjord(['export', '-f', exported]), 0)
    const file = parse(await readFile(exported, 'utf8'))
    expect(file.org).toBe(user.tenant.org)
    expect(file.clusters[1]).toMatchObject({
      name: 'main',
      description: 'the shop',
      topics: [
        {
          name: 'orders',
          partitions: 3,
          replicationFactor: 3,
          config: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
        },
        { name: 'refunds', partitions: 1, replicationFactor: 3 },
      ],
      serviceAccounts: [{ name: 'shop', acls: [{ name: 'orders' }, { name: 'shop-' }] }],
    })
    await expectExit(user.fjord(['plan', '-f', exported, '--detailed-exitcode']), 0)
    const stdout = (await expectExit(user.fjord(['export']), 0)).stdout
    await expectExit(user.fjord(['plan', '-f', '-', '--detailed-exitcode'], {}, stdout), 0)

    // An existing file is kept unless --force; --cluster exports that one alone.
    const kept = await expectExit(user.fjord(['export', '-f', exported, '--cluster', 'main']), 2)
    expect(kept.stderr).toContain(`${exported} exists`)
    await expectExit(user.fjord(['export', '-f', exported, '--cluster', 'main', '--force']), 0)
    const one = parse(await readFile(exported, 'utf8'))
    expect(one.clusters.map((c: { name: string }) => c.name)).toEqual(['main'])
    await expectExit(user.fjord(['export', '--cluster', 'nope']), 1)
  })

  test('a plan against a server changed behind its back shows exactly that drift', async () => {
    const user = await aDeclarer()
    const path = await user.file(shopFile)
    await expectExit(user.fjord(['apply', '-f', path, '--auto-approve']), 0)

    // Behind fjord's back: a topic's configs changed, one deleted (and gone), one added, an
    // ACL changed, a service account and a cluster added.
    await expectStatus(
      await user.call('PATCH', '/clusters/main/topics/orders', {
        config: { 'retention.ms': 86400000, 'cleanup.policy': 'compact' },
      }),
      200,
    )
    await expectStatus(await user.call('DELETE', '/clusters/main/topics/refunds'), 202)
    await finishDeletion(user.tenant.org, 'refunds')
    await expectStatus(
      await user.call('POST', '/clusters/main/topics', { name: 'extra', partitions: 1 }),
      201,
    )
    await expectStatus(
      await user.call('PATCH', '/clusters/main/service-accounts/shop', {
        acls: [{ resourceType: 'topic', name: 'orders', operations: ['read'] }],
      }),
      200,
    )
    await expectStatus(
      await user.call('POST', '/clusters/main/service-accounts', { name: 'legacy' }),
      201,
    )
    await expectStatus(await user.call('POST', '/clusters', { name: 'staging' }), 201)
    await expectStatus(
      await user.call('POST', '/clusters/staging/topics', { name: 'scratch', partitions: 1 }),
      201,
    )

    const drift = JSON.parse(
      (await expectExit(user.fjord(['plan', '-f', path, '-o', 'json']), 0)).stdout,
    )
    expect(drift).toEqual({
      org: user.tenant.org,
      prune: false,
      summary: { add: 1, change: 2, destroy: 0, unchanged: 3 },
      changes: [
        {
          action: 'update',
          kind: 'topic',
          cluster: 'main',
          name: 'orders',
          changes: [
            { field: 'config.cleanup.policy', from: 'compact', to: 'delete' },
            { field: 'config.retention.ms', from: '86400000', to: '604800000' },
          ],
        },
        {
          action: 'create',
          kind: 'topic',
          cluster: 'main',
          name: 'refunds',
          changes: [
            { field: 'partitions', from: null, to: 1 },
            // The api's default, which the file leaves to it.
            { field: 'replicationFactor', from: null, to: 3 },
          ],
        },
        {
          action: 'update',
          kind: 'serviceAccount',
          cluster: 'main',
          name: 'shop',
          changes: [
            { field: 'acls[group:prefixed:shop-]', from: null, to: 'read' },
            { field: 'acls[topic:literal:orders]', from: 'read', to: 'read,write' },
          ],
        },
      ],
      unmanaged: [
        { kind: 'topic', cluster: 'main', name: 'extra' },
        { kind: 'serviceAccount', cluster: 'main', name: 'legacy' },
        { kind: 'cluster', cluster: null, name: 'staging' },
      ],
    })
    const text = await expectExit(user.fjord(['plan', '-f', path]), 0)
    expect(text.stdout).toContain(
      '  ~ topic main/orders\n      ~ config.cleanup.policy: compact → delete\n      ~ config.retention.ms:   86400000 → 604800000\n',
    )
    expect(text.stdout).toContain(
      'Not in the file, so left as they are: 1 cluster, 1 topic, 1 service account (`--prune` deletes them).',
    )

    // Without --prune nothing is deleted.
    await expectExit(user.fjord(['apply', '-f', path, '--auto-approve']), 0)
    expect(await user.get('/clusters/main/topics/extra')).toMatchObject({
      status: { phase: 'Pending' },
    })
    expect(await user.get('/clusters/staging')).toMatchObject({ status: { phase: 'Pending' } })
    expect(await user.get('/clusters/main/topics/orders')).toMatchObject({
      config: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
    })

    // With --prune the plan shows what goes, --dry-run deletes nothing, and apply deletes it.
    const pruning = await expectExit(user.fjord(['plan', '-f', path, '--prune']), 0)
    expect(pruning.stdout).toContain('  - topic main/extra\n')
    expect(pruning.stdout).toContain('  - service account main/legacy\n')
    expect(pruning.stdout).toContain(
      '  - cluster staging (with its 1 topic and 0 service accounts)\n',
    )
    expect(pruning.stdout).toContain('Plan: 0 to add, 0 to change, 3 to destroy.')
    await expectExit(user.fjord(['apply', '-f', path, '--prune', '--dry-run']), 0)
    expect(await user.get('/clusters/main/topics/extra')).toMatchObject({
      status: { phase: 'Pending' },
    })
    const pruned = await expectExit(user.fjord(['apply', '-f', path, '--prune', '--yes']), 0)
    expect(pruned.stderr).toContain('Apply complete! Resources: 0 added, 0 changed, 3 destroyed.')
    for (const gone of [
      '/clusters/main/topics/extra',
      '/clusters/main/service-accounts/legacy',
      '/clusters/staging',
    ]) {
      expect(await user.get(gone)).toMatchObject({ status: { phase: 'Deleting' } })
    }
    await expectExit(user.fjord(['plan', '-f', path, '--prune', '--detailed-exitcode']), 0)
  })
})

describe('a refused apply', () => {
  test('changes nothing when the API refuses a topic, not even a new cluster before it', async () => {
    const user = await aDeclarer()
    await expectStatus(await user.call('POST', '/clusters', { name: 'main' }), 201)
    const before = await recordedChanges(api, user.tenant)
    const path = await user.file(`
clusters:
  - name: analytics
    topics:
      - { name: clicks, partitions: 1 }
  - name: main
    serviceAccounts:
      - name: shop
    topics:
      - { name: orders, partitions: 1 }
      - name: payments
        partitions: 1
        config: { retention.minutes: 5 }
`)
    const refused = await expectExit(user.fjord(['apply', '-f', path, '--auto-approve']), 1)
    expect(refused.stderr).toContain('error: cluster main: ')
    expect(refused.stderr).toContain(
      `${path}:11 topic payments config.retention.minutes: unknown topic config`,
    )
    expect(await user.names('/clusters')).toEqual(['main'])
    expect(await user.names('/clusters/main/service-accounts')).toEqual([])
    expect(await recordedChanges(api, user.tenant)).toEqual(before)
  })

  test('changes nothing when all of the file would not fit the quota', async () => {
    const user = await aDeclarer({ roomy: false })
    const topics = Array.from({ length: 11 }, (_, i) => `      - { name: t${i}, partitions: 1 }`)
    const path = await user.file(`clusters:\n  - name: main\n    topics:\n${topics.join('\n')}\n`)
    const refused = await expectExit(user.fjord(['apply', '-f', path, '--auto-approve']), 1)
    expect(refused.stderr).toContain(
      `error: the file does not fit the quota of org ${user.tenant.org}`,
    )
    expect(refused.stderr).toContain('  topics: 0 in use, 11 more asked for, 10 allowed')
    expect(await user.names('/clusters')).toEqual([])
  })

  test('names the line of what cannot change in place', async () => {
    const user = await aDeclarer()
    const path = await user.file(
      'clusters:\n  - name: main\n    topics:\n      - { name: orders, partitions: 2 }\n',
    )
    await expectExit(user.fjord(['apply', '-f', path, '--auto-approve']), 0)
    await expectStatus(
      await user.call('PATCH', '/clusters/main/topics/orders', { partitions: 4 }),
      200,
    )
    const shrink = await expectExit(user.fjord(['plan', '-f', path]), 1)
    expect(shrink.stderr).toContain(
      `${path}:4 topic orders partitions: cannot decrease from 4 to 2; Kafka only adds partitions`,
    )
    const moved = await user.file(
      'clusters:\n  - name: main\n    region: elsewhere\n',
      'moved.yaml',
    )
    const region = await expectExit(user.fjord(['apply', '-f', moved, '--auto-approve']), 1)
    expect(region.stderr).toContain(
      `${moved}:2: cluster main: region cannot change after creation (local → elsewhere)`,
    )
    expect(await user.get('/clusters/main')).toMatchObject({ region: 'local' })
  })
})

describe('an apply', () => {
  test('stops at what changed since its plan, before any write after it', async () => {
    const user = await aDeclarer()
    const key = await anApiKey(api, user.tenant, 'admin')
    const text = `clusters:
  - name: main
    topics: [{ name: orders, partitions: 1 }]
    serviceAccounts: [{ name: shop, description: old }]
`
    await expectExit(user.fjord(['apply', '-f', await user.file(text), '-y']), 0)
    const changed = text.replace('partitions: 1', 'partitions: 2').replace('old', 'new')
    // fjord in this process, to change the service account between its plan and its apply.
    const stderr = new PassThrough()
    const ctx = new Context(
      { apiUrl: served.url, apiKey: key.token, configPath: join(user.dir, 'none'), noColor: true },
      { profiles: {} },
      { org: user.tenant.org },
      {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr,
        interactive: false,
        color: false,
        quiet: false,
      },
    )
    const parsed = parseDeclaredFile(changed, 'fjord.yaml')
    const planned = planOf(parsed, await readOrgState(ctx, user.tenant.org, parsed, false), false)
    expect(planned.plan.entries.map((entry) => entry.name)).toEqual(['orders', 'shop'])
    await expectStatus(
      await user.call('PATCH', '/clusters/main/service-accounts/shop', { description: 'theirs' }),
      200,
    )
    await expect(applyPlan(ctx, planned, parsed)).rejects.toThrow(
      'service account main/shop changed since the plan was made',
    )
    expect(await user.get('/clusters/main/service-accounts/shop')).toMatchObject({
      description: 'theirs',
    })
    expect(await user.get('/clusters/main/topics/orders')).toMatchObject({ partitions: 1 })
  })

  test('says what it applied when the API refuses a new cluster’s topics, and goes on when run again', async () => {
    const user = await aDeclarer()
    // A new cluster's topic configs can be checked by the API only once it exists.
    const bad = await user.file(
      'clusters:\n  - name: fresh\n    topics:\n      - { name: t, partitions: 1, config: { retention.minutes: 5 } }\n',
    )
    const refused = await expectExit(user.fjord(['apply', '-f', bad, '-y']), 1)
    expect(refused.stderr).toContain('1 of 2 changes were applied before this error')
    expect(refused.stderr).toContain(
      `${bad}:4 topic t config.retention.minutes: unknown topic config`,
    )
    const good = await user.file(
      'clusters:\n  - name: fresh\n    topics:\n      - { name: t, partitions: 1, config: { retention.ms: 5000 } }\n',
      'good.yaml',
    )
    const plan = await expectExit(user.fjord(['plan', '-f', good]), 0)
    expect(plan.stdout).toContain('Plan: 1 to add, 0 to change, 0 to destroy.')
    await expectExit(user.fjord(['apply', '-f', good, '-y']), 0)
    expect(await user.names('/clusters/fresh/topics')).toEqual(['t'])
  })
})

describe('a bad file', () => {
  // An API that is not there: a file that reached it would fail otherwise (exit 1).
  const nowhere = {
    FJORD_API_URL: 'http://127.0.0.1:9',
    FJORD_API_KEY: 'fjord_x',
    FJORD_ORG: 'acme',
  }

  test.each([
    ['YAML that does not parse', 'clusters:\n  - name: main\n   topics: []\n', ':3:'],
    [
      'an unknown key',
      'clusters:\n  - name: main\n    topic: []\n',
      ':3:5: clusters[main]: unknown key topic',
    ],
    [
      'a name listed twice',
      'clusters:\n  - name: main\n  - name: main\n',
      ':3:5: clusters: cluster main is listed twice',
    ],
  ])('is a usage error with its line, and nothing is sent: %s', async (_, text, expected) => {
    const user = await aUser('http://127.0.0.1:9', nowhere)
    const dir = await mkdtemp(join(tmpdir(), 'fjord-files-'))
    const path = join(dir, 'fjord.yaml')
    await writeFile(path, text)
    for (const command of ['plan', 'apply']) {
      const flags = command === 'apply' ? ['--auto-approve'] : []
      const run = await expectExit(user.fjord([command, '-f', path, ...flags]), 2)
      expect(run.stderr).toContain(`error: ${path} is not a valid fjord file\n`)
      expect(run.stderr).toContain(`${path}${expected}`)
    }
  })

  test('is a usage error when missing, or when --org contradicts it', async () => {
    const user = await aUser('http://127.0.0.1:9', nowhere)
    const missing = await expectExit(user.fjord(['plan', '-f', '/nonexistent/fjord.yaml']), 2)
    expect(missing.stderr).toContain('error: no file /nonexistent/fjord.yaml')
    const dir = await mkdtemp(join(tmpdir(), 'fjord-files-'))
    const path = join(dir, 'fjord.yaml')
    await writeFile(path, 'org: acme\nclusters: []\n')
    const other = await expectExit(user.fjord(['plan', '-f', path, '--org', 'other']), 2)
    expect(other.stderr).toContain('error: the file is for org acme, but --org says other')
  })
})

/** Does what the operator does once Kafka has let go of a deleted topic: the row goes. */
async function finishDeletion(org: string, topic: string): Promise<void> {
  await api.database.db.execute(
    `DELETE FROM topics WHERE name = '${topic}' AND deletion_requested_at IS NOT NULL
       AND org_id = (SELECT id FROM organizations WHERE name = '${org}')`,
  )
}

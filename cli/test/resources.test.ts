import { readFile } from 'node:fs/promises'
import { startTestApi, type TestApi } from '@fjord/testing/api'
import { type Served, serveOnPort } from '@fjord/testing/http'
import { uniqueName } from '@fjord/testing/names'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { aSignedUpUser, aUser, expectExit, password } from './support.ts'

// The api in this process (PGlite in memory, or DATABASE_URL), served over HTTP; fjord runs
// as a subprocess against it. Nothing here needs Kubernetes: resources stay Pending.
const meteringToken = 'metering-token-of-the-cli-tests'
let api: TestApi
let served: Served
/** The owner of an org with a cluster main in use, shared by tests that do not change the org. */
let owner: Awaited<ReturnType<typeof aSignedUpUser>>
/** Someone else's org, for tenancy. */
let stranger: Awaited<ReturnType<typeof aSignedUpUser>>
beforeAll(async () => {
  api = await startTestApi({ meteringToken })
  served = await serveOnPort(api.fetch)
  ;[owner, stranger] = await Promise.all([aSignedUpUser(served.url), aSignedUpUser(served.url)])
})
afterAll(async () => {
  await served?.close()
  await api?.close()
})

type User = Awaited<ReturnType<typeof aUser>>
const json = (run: { stdout: string }) => JSON.parse(run.stdout)
const ok = async (user: User, args: string[], env: Record<string, string> = {}, stdin = '') =>
  expectExit(user.fjord(args, env, stdin), 0)

/** Signs up with fjord: a user with an org of their own and no cluster. */
async function aNewUser() {
  const user = await aUser(served.url)
  const org = uniqueName('org')
  const email = `${uniqueName('user')}@example.com`
  await ok(user, ['signup', '--email', email, '--password', password, '--org', org])
  return { ...user, org, email }
}

/** An API key of the owner's org with `role`, minted with fjord, as an environment. */
async function aKeyWithRole(role: string): Promise<Record<string, string>> {
  const created = json(
    await ok(owner, ['api-keys', 'create', '--name', uniqueName(role), '--role', role]),
  )
  return { FJORD_API_KEY: created.token, FJORD_ORG: owner.org, FJORD_CLUSTER: 'main' }
}

const notFoundLine = /^error: .+ \(not_found\)\n$/

describe.concurrent('fjord orgs', () => {
  test('creates an org with the login, updates one and deletes it, forgetting its key', async () => {
    const user = await aNewUser()
    const second = uniqueName('org')
    const created = await ok(
      user,
      [
        'orgs',
        'create',
        second,
        '--display-name',
        'Second',
        '--email',
        user.email,
        '--password-stdin',
      ],
      {},
      `${password}\n`,
    )
    expect(json(created)).toMatchObject({ name: second, displayName: 'Second', plan: 'free' })
    expect(created.stderr).toContain(`fjord login --org ${second}`)

    const updated = json(
      await ok(user, ['orgs', 'update', '--display-name', 'Acme', '--plan', 'startup']),
    )
    expect(updated).toMatchObject({ name: user.org, displayName: 'Acme', plan: 'startup' })
    expect(parse((await ok(user, ['orgs', 'get', '-o', 'yaml'])).stdout)).toMatchObject({
      plan: 'startup',
    })
    await expectExit(user.fjord(['orgs', 'update']), 2)
    await expectExit(user.fjord(['orgs', 'update', '--plan', 'gold']), 2)

    const dryRun = await ok(user, ['orgs', 'delete', '--dry-run'])
    expect(dryRun.stderr).toContain(`Would delete organization ${user.org} (Acme, plan startup)`)
    await ok(user, ['orgs', 'get'])
    await expectExit(user.fjord(['orgs', 'delete']), 2)
    await ok(user, ['orgs', 'delete', '--yes'])
    const profile = parse(await readFile(user.configPath, 'utf8')).profiles.default
    expect(profile).not.toHaveProperty('apiKey')
    expect(profile).not.toHaveProperty('org')
    await expectExit(user.fjord(['whoami']), 4)
  })

  test('an org with clusters is not deleted, and says why; another org is not found', async () => {
    const user = await aSignedUpUser(served.url)
    const refused = await expectExit(user.fjord(['orgs', 'delete', '--yes']), 1)
    expect(refused.stderr).toContain('Delete the clusters first (main is still there) (conflict)')
    await ok(user, ['orgs', 'get'])
    const theirs = await expectExit(
      user.fjord(['orgs', 'update', stranger.org, '--plan', 'startup']),
      1,
    )
    expect(theirs.stderr).toMatch(notFoundLine)
  })

  test('a wrong password for orgs create is refused without a stack trace', async () => {
    const refused = await expectExit(
      owner.fjord([
        'orgs',
        'create',
        uniqueName('org'),
        '--email',
        owner.email,
        '--password',
        'wrong password',
      ]),
      4,
    )
    expect(refused.stderr).toMatch(/^error: .+ \(unauthorized\)\n/)
  })
})

describe.concurrent('fjord clusters update and topics update', () => {
  test('clusters update changes the description and keeps the region', async () => {
    const user = await aNewUser()
    await ok(user, ['clusters', 'create', 'main', '--region', 'eu-west-1', '--description', 'old'])
    const updated = json(await ok(user, ['clusters', 'update', 'main', '--description', 'orders']))
    expect(updated).toMatchObject({ name: 'main', region: 'eu-west-1', description: 'orders' })
    await expectExit(user.fjord(['clusters', 'update', 'main']), 2)
    const theirs = await expectExit(
      user.fjord(['clusters', 'update', 'main', '--description', 'x', '--org', stranger.org]),
      1,
    )
    expect(theirs.stderr).toMatch(notFoundLine)
  })

  test('topics update adds partitions, sets and removes configs, and refuses a decrease clearly', async () => {
    const topic = uniqueName('t')
    await ok(owner, [
      'topics',
      'create',
      topic,
      '-p',
      '3',
      '--config',
      'retention.ms=86400000',
      '--config',
      'cleanup.policy=delete',
    ])
    const updated = json(
      await ok(owner, [
        'topics',
        'update',
        topic,
        '--partitions',
        '6',
        '--config',
        'retention.ms=3600000',
        '--remove-config',
        'cleanup.policy',
      ]),
    )
    expect(updated).toMatchObject({
      name: topic,
      partitions: 6,
      config: { 'retention.ms': '3600000' },
    })
    expect(updated.config).not.toHaveProperty('cleanup.policy')

    const decrease = await expectExit(
      owner.fjord(['topics', 'update', topic, '--partitions', '2']),
      1,
    )
    expect(decrease.stderr).toBe(
      'error: The request is not valid (validation_failed)\n  partitions: cannot decrease from 6 to 2; Kafka only adds partitions\n',
    )
    expect(json(await ok(owner, ['topics', 'get', topic])).partitions).toBe(6)
    const nothing = await expectExit(owner.fjord(['topics', 'update', topic]), 2)
    expect(nothing.stderr).toContain('nothing to change')
    const viewer = await aKeyWithRole('viewer')
    const forbidden = await expectExit(
      owner.fjord(['topics', 'update', topic, '-p', '7'], viewer),
      1,
    )
    expect(forbidden.stderr).toMatch(/^error: .+ \(forbidden\)\nhint: ask an admin/)
  })
})

describe.concurrent('fjord members and invitations', () => {
  test('invites someone who accepts, changes their role and removes them', async () => {
    const invitee = await aNewUser()
    const invitation = json(
      await ok(owner, ['invitations', 'create', '--email', invitee.email, '--role', 'developer']),
    )
    expect(invitation).toMatchObject({
      email: invitee.email,
      role: 'developer',
      token: expect.any(String),
    })
    const pending = json(await ok(owner, ['invitations', 'list']))
    expect(pending).toContainEqual(
      expect.objectContaining({ id: invitation.id, email: invitee.email }),
    )
    expect(pending[0]).not.toHaveProperty('token')

    // Someone else's login cannot take it.
    await expectExit(
      stranger.fjord(
        ['invitations', 'accept', invitation.token, '--email', stranger.email, '--password-stdin'],
        {},
        `${password}\n`,
      ),
      1,
    )
    const joined = await ok(
      invitee,
      ['invitations', 'accept', invitation.token, '--email', invitee.email, '--password-stdin'],
      {},
      `${password}\n`,
    )
    expect(json(joined)).toEqual({ organization: owner.org, role: 'developer' })
    expect(joined.stderr).toContain('ask an admin')

    const members = json(await ok(owner, ['members', 'list']))
    expect(members.map((m: { email: string }) => m.email)).toEqual(
      expect.arrayContaining([owner.email, invitee.email]),
    )
    expect(
      parse((await ok(owner, ['members', 'get', invitee.email, '-o', 'yaml'])).stdout),
    ).toMatchObject({
      email: invitee.email,
      role: 'developer',
    })
    expect(
      json(await ok(owner, ['members', 'update', invitee.email, '--role', 'admin'])).role,
    ).toBe('admin')
    const badRole = await expectExit(
      owner.fjord(['members', 'update', invitee.email, '--role', 'boss']),
      2,
    )
    expect(badRole.stderr).toContain('Allowed choices are viewer, developer, admin, owner')

    const dryRun = await ok(owner, ['members', 'remove', invitee.email, '--dry-run'])
    expect(dryRun.stderr).toContain(`Would remove ${invitee.email} (admin) from ${owner.org}`)
    await ok(owner, ['members', 'get', invitee.email])
    await expectExit(owner.fjord(['members', 'remove', invitee.email]), 2)
    await ok(owner, ['members', 'remove', invitee.email, '--yes'])
    expect((await expectExit(owner.fjord(['members', 'get', invitee.email]), 1)).stderr).toMatch(
      notFoundLine,
    )
    const lastOwner = await expectExit(owner.fjord(['members', 'remove', owner.email, '--yes']), 1)
    expect(lastOwner.stderr).toContain('(conflict)')
  })

  test('revokes an invitation by email; --dry-run changes nothing', async () => {
    const email = `${uniqueName('guest')}@example.com`
    await ok(owner, ['invitations', 'create', '--email', email, '--role', 'viewer'])
    const dryRun = await ok(owner, ['invitations', 'delete', email, '--dry-run'])
    expect(dryRun.stderr).toContain(`Would revoke the invitation of ${email}`)
    expect(
      json(await ok(owner, ['invitations', 'list'])).map((i: { email: string }) => i.email),
    ).toContain(email)
    await ok(owner, ['invitations', 'delete', email, '--yes'])
    expect(
      json(await ok(owner, ['invitations', 'list'])).map((i: { email: string }) => i.email),
    ).not.toContain(email)
    const again = await expectExit(owner.fjord(['invitations', 'delete', email, '--yes']), 1)
    expect(again.stderr).toContain(`error: no pending invitation ${email}`)
  })

  test('a developer may not change roles or invite; another org’s members are not found', async () => {
    const developer = await aKeyWithRole('developer')
    const forbidden = await expectExit(
      owner.fjord(['members', 'update', owner.email, '--role', 'viewer'], developer),
      1,
    )
    expect(forbidden.stderr).toMatch(/^error: .+ \(forbidden\)\nhint: ask an admin/)
    await expectExit(
      owner.fjord(
        ['invitations', 'create', '--email', 'x@example.com', '--role', 'viewer'],
        developer,
      ),
      1,
    )
    expect(json(await ok(owner, ['members', 'list'], developer)).length).toBeGreaterThan(0)
    for (const args of [
      ['members', 'list', '--org', stranger.org],
      ['members', 'get', stranger.email, '--org', stranger.org],
      ['invitations', 'list', '--org', stranger.org],
    ]) {
      expect((await expectExit(owner.fjord(args), 1)).stderr, args.join(' ')).toMatch(notFoundLine)
    }
  })
})

describe.concurrent('fjord api-keys', () => {
  test('creates a key whose token is shown once, lists, gets and revokes it', async () => {
    const name = uniqueName('ci')
    const created = await ok(owner, ['api-keys', 'create', '--name', name, '--role', 'developer'])
    const key = json(created)
    expect(key).toMatchObject({ name, role: 'developer', token: expect.stringMatching(/^fjord_/) })
    expect(created.stderr).toContain('shown only now')
    const env = { FJORD_API_KEY: key.token, FJORD_ORG: owner.org }
    expect(json(await ok(owner, ['whoami'], env))).toMatchObject({
      apiKey: name,
      role: 'developer',
    })

    const listed = json(await ok(owner, ['api-keys', 'list']))
    expect(listed).toContainEqual(
      expect.objectContaining({ name, role: 'developer', prefix: key.prefix }),
    )
    expect(JSON.stringify(listed)).not.toContain(key.token)
    expect(parse((await ok(owner, ['api-keys', 'get', name, '-o', 'yaml'])).stdout)).toMatchObject({
      name,
    })
    const picked = json(
      await ok(owner, [
        'api-keys',
        'create',
        '--name',
        uniqueName('k'),
        '--role',
        'viewer',
        '--json',
        'token',
      ]),
    )
    expect(Object.keys(picked)).toEqual(['token'])
    await expectExit(owner.fjord(['api-keys', 'create', '--role', 'viewer']), 2)

    await ok(owner, ['api-keys', 'delete', name, '--dry-run'])
    await ok(owner, ['whoami'], env)
    await ok(owner, ['api-keys', 'delete', name, '--yes'])
    await expectExit(owner.fjord(['whoami'], env), 4)
    expect((await expectExit(owner.fjord(['api-keys', 'get', name]), 1)).stderr).toMatch(
      notFoundLine,
    )
  })

  test('a viewer may not list keys; another org’s key is not found', async () => {
    const viewer = await aKeyWithRole('viewer')
    const forbidden = await expectExit(owner.fjord(['api-keys', 'list'], viewer), 1)
    expect(forbidden.stderr).toMatch(/^error: .+ \(forbidden\)\nhint: ask an admin/)
    const theirs = await expectExit(owner.fjord(['api-keys', 'list', '--org', stranger.org]), 1)
    expect(theirs.stderr).toMatch(notFoundLine)
  })

  test('revoking the key the profile logs in with logs the profile out', async () => {
    const user = await aNewUser()
    const { apiKeyName } = parse(await readFile(user.configPath, 'utf8')).profiles.default
    const revoked = await ok(user, ['api-keys', 'delete', apiKeyName, '--yes'])
    expect(revoked.stderr).toContain('the key this profile logs in with')
    await expectExit(user.fjord(['whoami']), 4)
  })
})

describe.concurrent('fjord quotas, usage and audit', () => {
  test('quotas lists each limit with its use and maximum', async () => {
    const user = await aSignedUpUser(served.url)
    await ok(user, ['topics', 'create', 'orders', '-p', '4'])
    const rows = json(await ok(user, ['quotas']))
    expect(rows).toEqual([
      { limit: 'clusters', current: 1, maximum: 1, unit: 'count' },
      { limit: 'topics', current: 1, maximum: 10, unit: 'count' },
      { limit: 'partitions', current: 4, maximum: 30, unit: 'count' },
      { limit: 'storageBytes', current: 0, maximum: 1073741824, unit: 'bytes' },
      { limit: 'ingressBytesPerSecond', current: 0, maximum: 1048576, unit: 'bytes/s' },
      { limit: 'egressBytesPerSecond', current: 0, maximum: 2097152, unit: 'bytes/s' },
      { limit: 'maxRetentionMs', current: null, maximum: 604800000, unit: 'ms' },
    ])
    expect(parse((await ok(user, ['quotas', '-o', 'yaml'])).stdout)).toEqual(rows)
    const table = (await ok(user, ['quotas', '-o', 'table'])).stdout.split('\n')
    expect(table[0]).toMatch(/^LIMIT +CURRENT +MAXIMUM +UNIT$/)
    expect(table).toContainEqual(expect.stringMatching(/^partitions +4 +30 +count$/))
    expect((await expectExit(user.fjord(['quotas', '--org', stranger.org]), 1)).stderr).toMatch(
      notFoundLine,
    )
  })

  test('quotas check says what a change would go over, and exits 1 unless it fits', async () => {
    expect(
      json(await ok(owner, ['quotas', 'check', '--topics', '1', '--partitions', '2'])),
    ).toEqual([])
    const over = await expectExit(
      owner.fjord(['quotas', 'check', '--partitions', '100', '--clusters', '-1']),
      1,
    )
    expect(json(over)).toEqual([
      { limit: 'partitions', current: expect.any(Number), maximum: 30, requested: 100 },
    ])
    expect(over.stderr).toContain('error: it does not fit the quota')
    await expectExit(owner.fjord(['quotas', 'check']), 2)
    await expectExit(owner.fjord(['quotas', 'check', '--topics', 'many']), 2)
  })

  test('usage prints the points of a range, by cluster and topic', async () => {
    const user = await aSignedUpUser(served.url)
    await ok(user, ['topics', 'create', 'orders', '-p', '2'])
    // One sample of the topic, as the operator's metering sends it.
    const sampledAt = new Date(Date.now() - 3_600_000).toISOString()
    const ids = await idsOf(user, 'orders')
    const stored = await api.request('POST', '/internal/v1/usage-samples', {
      as: { kind: 'api_key', token: meteringToken },
      body: {
        samples: [
          {
            id: `${ids.topicId}:${sampledAt}`,
            ...ids,
            sampledAt,
            partitions: 2,
            storageBytes: 4096,
            endOffsets: 120,
          },
        ],
      },
    })
    expect(await stored.json()).toMatchObject({ stored: 1 })

    const raw = json(await ok(user, ['usage', '--granularity', 'raw', '--topic', 'orders']))
    expect(raw).toEqual([
      {
        time: sampledAt,
        partitions: 2,
        storageBytes: 4096,
        messagesIn: 120,
        bytesIn: 0,
        bytesOut: 0,
      },
    ])
    const daily = parse(
      (await ok(user, ['usage', '--from', '7d', '--granularity', 'day', '-o', 'yaml'])).stdout,
    )
    expect(daily).toEqual([expect.objectContaining({ partitions: 2, messagesIn: 120 })])
    expect(json(await ok(user, ['usage', '--from', '30m']))).toEqual([])
    const bad = await expectExit(user.fjord(['usage', '--from', 'yesterday']), 2)
    expect(bad.stderr).toContain('expected now, a date')
  })

  test('audit list filters by action and target type, pages to --limit, and is for admins', async () => {
    const user = await aSignedUpUser(served.url)
    for (const name of ['a1', 'a2', 'a3']) await ok(user, ['topics', 'create', name])
    const created = json(await ok(user, ['audit', 'list', '--action', 'topic.create']))
    expect(created.map((e: { target: string }) => e.target)).toEqual(['a3', 'a2', 'a1'])
    expect(created[0]).toMatchObject({
      action: 'topic.create',
      targetType: 'topic',
      actor: expect.stringMatching(/^key:fjord_/),
      actorType: 'api_key',
      outcome: 'success',
    })
    expect(
      json(await ok(user, ['audit', 'list', '--action', 'topic.create', '--limit', '2'])).map(
        (e: { target: string }) => e.target,
      ),
    ).toEqual(['a3', 'a2'])
    const everything = json(await ok(user, ['audit', 'list', '--all']))
    expect(everything.length).toBeGreaterThanOrEqual(4)
    expect(
      json(await ok(user, ['audit', 'list', '--target-type', 'cluster'])).map(
        (e: { action: string }) => e.action,
      ),
    ).toEqual(['cluster.create'])
    expect(
      parse((await ok(user, ['audit', 'list', '--limit', '1', '-o', 'yaml'])).stdout),
    ).toHaveLength(1)
    const developer = await aKeyWithRole('developer')
    const forbidden = await expectExit(owner.fjord(['audit', 'list'], developer), 1)
    expect(forbidden.stderr).toContain('(forbidden)')
    expect(
      (await expectExit(user.fjord(['audit', 'list', '--org', stranger.org]), 1)).stderr,
    ).toMatch(notFoundLine)
  })
})

/** The ids of the user's org, cluster main and one of its topics, which metering names. */
async function idsOf(user: User & { org: string }, topic: string) {
  const { apiKey } = parse(await readFile(user.configPath, 'utf8')).profiles.default
  const read = async (path: string) => {
    const answer = await api.request('GET', path, { as: { kind: 'api_key', token: apiKey } })
    return ((await answer.json()) as { id: string }).id
  }
  const org = `/v1/orgs/${user.org}`
  return {
    orgId: await read(org),
    clusterId: await read(`${org}/clusters/main`),
    topicId: await read(`${org}/clusters/main/topics/${topic}`),
  }
}

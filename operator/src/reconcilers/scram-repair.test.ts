import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { crdDir } from '@fjord/contract/install'
import { sharedKafkaPrefix } from '@fjord/contract/naming'
import type { KafkaCluster, KafkaUser } from '@fjord/contract/types'
import type { KubeObject } from '@fjord/kube/client'
import { aPool, aSharedCluster, aUser } from '@fjord/testing/resources'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { aRecordingLogger } from '../../test/support/logs.ts'
import type { KafkaAdmin } from '../kafka/admin.ts'
import { platformMechanism, tenantMechanism } from '../kafka/scram.ts'
import { adminMechanismWarning } from './pool.ts'
import { desiredLogins, type Login, planScramRepair, ScramRepair } from './scram-repair.ts'

const ns = 'org-1'

function aClusterOn(pool: string | undefined, name = 'main'): KafkaCluster & KubeObject {
  const cluster = aSharedCluster(pool ?? 'nowhere', name)
  return {
    ...cluster,
    metadata: { ...cluster.metadata, namespace: ns },
    status: { phase: 'Ready', ...(pool ? { pool, kafkaPrefix: sharedKafkaPrefix(ns, name) } : {}) },
  } as KafkaCluster & KubeObject
}

function aUserWith(
  name: string,
  status: KafkaUser['status'],
  { cluster = 'main', deleting = false } = {},
): KafkaUser & KubeObject {
  const user = aUser(cluster, `${name}-password`, {}, name)
  return {
    ...user,
    metadata: {
      ...user.metadata,
      namespace: ns,
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    status,
  } as KafkaUser & KubeObject
}

const withLogin = (name: string) => ({ username: `${ns}-main.${name}`, secretResourceVersion: '7' })

describe('desiredLogins', () => {
  const clusters = [
    aClusterOn('pool-a'),
    aClusterOn('pool-b', 'other'),
    aClusterOn(undefined, 'new'),
  ]

  test('is every user on the pool whose status says it has a login', () => {
    const users = [aUserWith('shop', withLogin('shop')), aUserWith('billing', withLogin('billing'))]
    expect(desiredLogins('pool-a', clusters, users)).toEqual([
      { key: `${ns}/shop`, username: `${ns}-main.shop` },
      { key: `${ns}/billing`, username: `${ns}-main.billing` },
    ])
  })

  test('leaves out users being deleted, without a password, not yet given a login, or elsewhere', () => {
    const users = [
      aUserWith('going', withLogin('going'), { deleting: true }),
      aUserWith('revoked', { username: `${ns}-main.revoked` }),
      aUserWith('fresh', undefined),
      aUserWith('elsewhere', withLogin('elsewhere'), { cluster: 'other' }),
      aUserWith('unplaced', withLogin('unplaced'), { cluster: 'new' }),
      aUserWith('orphan', withLogin('orphan'), { cluster: 'gone' }),
    ]
    expect(desiredLogins('pool-a', clusters, users)).toEqual([])
  })
})

describe('planScramRepair', () => {
  const shop: Login = { key: `${ns}/shop`, username: 'acme-main.shop' }
  const billing: Login = { key: `${ns}/billing`, username: 'acme-main.billing' }

  test('is nothing when every broker holds every login', () => {
    const all = new Set([shop.username, billing.username, 'someone-else'])
    expect(planScramRepair([shop, billing], new Map([[1, all]]))).toEqual([])
  })

  test('is each login a broker lacks, with the brokers lacking it', () => {
    const reported = new Map([
      [3, new Set<string>()],
      [1, new Set([shop.username, billing.username])],
      [2, new Set([billing.username])],
    ])
    expect(planScramRepair([shop, billing], reported)).toEqual([
      { ...shop, brokers: [2, 3] },
      { ...billing, brokers: [3] },
    ])
  })

  test('is nothing when no broker answered', () => {
    expect(planScramRepair([shop], new Map())).toEqual([])
  })
})

describe('ScramRepair', () => {
  const pool = { ...aPool({}, 'pool-a'), metadata: { name: 'pool-a' } }

  function aRepair(users: (KafkaUser & KubeObject)[], reported: Set<string>, onAsk = () => {}) {
    const queued: string[] = []
    const { log, lines: logs } = aRecordingLogger()
    const repair = new ScramRepair({
      informers: { clusters: { list: () => [aClusterOn('pool-a')] }, users: { list: () => users } },
      enqueueUser: (key) => queued.push(key),
      log,
    })
    const asked: string[] = []
    const admin = {
      async scramUsersByBroker(mechanism: string) {
        asked.push(mechanism)
        onAsk()
        return { users: new Map([[1, reported]]), unreachable: [] }
      },
    } as unknown as KafkaAdmin
    return { repair, admin, queued, logs, asked }
  }

  test("queues each user whose login Kafka lost, marked with the pool, asking for tenants' logins", async () => {
    const users = [aUserWith('shop', withLogin('shop')), aUserWith('billing', withLogin('billing'))]
    const { repair, admin, queued, logs, asked } = aRepair(users, new Set([`${ns}-main.billing`]))
    const missing = await repair.check(pool, admin)
    expect(asked).toEqual([tenantMechanism])
    expect(missing.map((m) => m.username)).toEqual([`${ns}-main.shop`])
    expect(queued).toEqual([`${ns}/shop`])
    expect(logs).toEqual([
      {
        level: 'warn',
        msg: 'Kafka lost SCRAM logins; setting them again from their Secrets',
        pool: 'pool-a',
        missing: 1,
        of: 2,
      },
    ])
    expect(JSON.stringify(logs)).not.toContain('password')
    expect(repair.take(`${ns}/shop`)).toBe('pool-a')
    expect(repair.take(`${ns}/shop`), 'taken once').toBeUndefined()
    expect(repair.take(`${ns}/billing`)).toBeUndefined()
  })

  test('reads the caches before Kafka, so a login set meanwhile is not taken for a lost one', async () => {
    const users = [aUserWith('shop', withLogin('shop'))]
    const { repair, admin, queued } = aRepair(users, new Set([`${ns}-main.shop`]), () =>
      users.push(aUserWith('late', withLogin('late'))),
    )
    expect(await repair.check(pool, admin)).toEqual([])
    expect(queued).toEqual([])
  })

  test('forgets a user that is gone, and keeps a mark put back after a failed repair', async () => {
    const { repair, admin } = aRepair([aUserWith('shop', withLogin('shop'))], new Set())
    await repair.check(pool, admin)
    repair.forget(`${ns}/shop`)
    expect(repair.take(`${ns}/shop`)).toBeUndefined()
    repair.lost(`${ns}/shop`, 'pool-a')
    expect(repair.take(`${ns}/shop`)).toBe('pool-a')
  })
})

describe('the admin mechanism of a pool', () => {
  test("warns when the admin is on the tenants' mechanism, naming the fix", () => {
    expect(adminMechanismWarning(aPool({ saslMechanism: 'SCRAM-SHA-512' }))).toMatch(
      /KAFKA-20774.*set spec.saslMechanism to SCRAM-SHA-256/,
    )
  })

  test('is quiet for SCRAM-SHA-256, PLAIN and the default', () => {
    expect(adminMechanismWarning(aPool({ saslMechanism: 'SCRAM-SHA-256' }))).toBeUndefined()
    expect(adminMechanismWarning(aPool({ saslMechanism: 'PLAIN' }))).toBeUndefined()
    expect(adminMechanismWarning(aPool())).toBeUndefined()
  })

  test("defaults in the CRD to the platform's mechanism, never the tenants'", () => {
    const crd = parse(readFileSync(join(crdDir, 'kafkapools.fjord.dev.yaml'), 'utf8'))
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec
    expect(spec.properties.saslMechanism.default).toBe(platformMechanism)
    expect(platformMechanism).not.toBe(tenantMechanism)
  })
})

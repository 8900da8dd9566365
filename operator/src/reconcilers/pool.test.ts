import { readyCondition, reasons } from '@fjord/contract/reasons'
import type { KafkaPool, KafkaPoolSpec } from '@fjord/contract/types'
import type { KubeObject } from '@fjord/kube/client'
import { aPool } from '@fjord/testing/resources'
import { describe, expect, test } from 'vitest'
import { aRecordingLogger } from '../../test/support/logs.ts'
import type { OperatorContext } from './context.ts'
import { poolReconciler } from './pool.ts'
import { ScramRepair } from './scram-repair.ts'

/** A pool reconcile against stand-ins: status patches recorded, Kafka answering as told. */
function aPoolWorld(spec: Partial<KafkaPoolSpec> = {}, kafka: { describeFails?: boolean } = {}) {
  const pool = {
    ...aPool(spec, 'pool-a'),
    metadata: { name: 'pool-a', generation: 1 },
  } as KafkaPool & KubeObject
  const patches: { path: string; status: Record<string, unknown> }[] = []
  const { log, lines: logs } = aRecordingLogger()
  const asked: string[] = []
  const admin = {
    async listTopics() {
      asked.push('listTopics')
      return []
    },
    async scramUsersByBroker() {
      asked.push('scramUsersByBroker')
      if (kafka.describeFails) throw new Error('broker 1 went away')
      return { users: new Map([[1, new Set<string>()]]), unreachable: [] }
    },
  }
  const ctx = {
    client: {
      async request(_method: string, path: string, { body }: { body: { status: never } }) {
        patches.push({ path, status: body.status })
        return {}
      },
    },
    informers: {
      pools: { get: (key: string) => (key === 'pool-a' ? pool : undefined) },
      clusters: { list: () => [] },
      users: { list: () => [] },
    },
    kafka: { forPool: async () => admin },
    log,
  } as unknown as OperatorContext
  const repair = new ScramRepair({
    informers: ctx.informers,
    enqueueUser: () => {},
    log: ctx.log,
  })
  const reconcile = poolReconciler(ctx, { repair, checkEveryMs: 1234 })
  return {
    reconcile: () => reconcile('pool-a', new AbortController().signal),
    patches,
    logs,
    asked,
  }
}

const readyOf = (status: Record<string, unknown>) =>
  (status.conditions as { type: string; reason: string; message: string }[]).find(
    (c) => c.type === readyCondition,
  )

describe('the pool reconciler', () => {
  test("checks the tenants' logins on every pass and comes back after the check period", async () => {
    const world = aPoolWorld({ saslMechanism: 'SCRAM-SHA-256' })
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 1234 })
    expect(world.asked).toEqual(['listTopics', 'scramUsersByBroker'])
    expect(world.patches.map((p) => [p.status.phase, readyOf(p.status)?.reason])).toEqual([
      ['Ready', reasons.Reconciled],
    ])
  })

  test('keeps a pool Ready when the login check fails, and tries again at the next check', async () => {
    const world = aPoolWorld({}, { describeFails: true })
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 1234 })
    expect(world.patches.map((p) => p.status.phase)).toEqual(['Ready'])
    expect(world.logs.map((line) => line.msg)).toContain('SCRAM login check failed')
  })

  test("says in the Ready condition that an admin on the tenants' mechanism can be locked out", async () => {
    const world = aPoolWorld({ saslMechanism: 'SCRAM-SHA-512' })
    await world.reconcile()
    const ready = readyOf(world.patches[0]?.status ?? {})
    expect(ready?.reason).toBe(reasons.AdminOnTenantMechanism)
    expect(ready?.message).toMatch(/^reachable at 127\.0\.0\.1:19092; .*KAFKA-20774/)
  })
})

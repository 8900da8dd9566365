import { readStackEnv } from '@fjord/stack/env'
import { createTestNamespace, proxiedClient } from '@fjord/testing/kube'
import { uniqueName } from '@fjord/testing/names'
import { FakeClock } from '@fjord/time/clock'
import { KubeConfig } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getObject } from '../src/apply.ts'
import { KubeClient, type KubeObject } from '../src/client.ts'
import { LeaderElector, type LeaderElectorOptions, microTime } from '../src/leader.ts'
import { Leases } from '../src/resources.ts'

const kc = new KubeConfig()
kc.loadFromFile(readStackEnv().kube.kubeconfig)
const client = new KubeClient(kc)

const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 }
// Each replica keeps its own time, minutes apart from the others', as machines may: the
// election must not rest on their clocks agreeing, only on each running at the same rate.
const offsets = { a: 0, b: 7 * 60_000, c: -3 * 60_000 }

/**
 * Numbers every start and end of a leadership term, across all electors, in the order they
 * happen, so a test can check that no two terms overlap.
 */
function aTimeline() {
  let sequence = 0
  const terms: { identity: string; start: number; end?: number }[] = []
  return {
    terms,
    electorOptions(identity: string): Partial<LeaderElectorOptions> {
      return {
        identity,
        onStartedLeading: (signal) => {
          const term: (typeof terms)[number] = { identity, start: ++sequence }
          terms.push(term)
          signal.addEventListener('abort', () => {
            term.end = ++sequence
          })
        },
      }
    },
    leaders: () => terms.filter((t) => t.end === undefined).map((t) => t.identity),
    assertNoOverlap() {
      const sorted = [...terms].sort((a, b) => a.start - b.start)
      for (let i = 1; i < sorted.length; i++) {
        const previous = sorted[i - 1]
        const current = sorted[i]
        if (!previous || !current) continue
        expect(
          previous.end,
          `${previous.identity} still led when ${current.identity} started`,
        ).toBeDefined()
        expect(previous.end as number).toBeLessThan(current.start)
      }
    },
  }
}

interface Replica {
  identity: string
  elector: LeaderElector
  clock: FakeClock
}

/** Starts a replica and waits until its first attempt is over. */
async function started(replica: Replica): Promise<void> {
  const waits = replica.clock.timersSet
  void replica.elector.start()
  await backToWaiting(replica, waits, 'its first attempt')
}

/**
 * Moves a replica's clock on by `ms`, which must bring its next attempt, and waits until that
 * attempt (real requests to the apiserver) is over: the elector then waits on its clock again.
 */
async function step(replica: Replica, ms: number): Promise<void> {
  const waits = replica.clock.timersSet
  replica.clock.step(ms)
  await backToWaiting(replica, waits, `an attempt ${ms} ms on`)
}

async function backToWaiting(replica: Replica, waits: number, what: string): Promise<void> {
  await expect
    .poll(() => replica.clock.timersSet, {
      timeout: 10_000,
      message: `${replica.identity} to finish ${what} and wait again`,
    })
    .toBeGreaterThan(waits)
}

describe('LeaderElector against the real apiserver', () => {
  let namespace = ''
  let removeNamespace = async () => {}
  const electors: LeaderElector[] = []

  function aReplica(
    identity: keyof typeof offsets,
    options: Partial<LeaderElectorOptions> & { name: string },
  ): Replica {
    const clock = new FakeClock(Date.now() + offsets[identity])
    const elector = new LeaderElector({
      client,
      namespace,
      identity,
      ...timing,
      clock,
      // Candidates then try exactly every retry period.
      random: () => 0,
      ...options,
    })
    electors.push(elector)
    return { identity, elector, clock }
  }

  beforeAll(async () => {
    ;({ namespace, remove: removeNamespace } = await createTestNamespace(client, 'kube-leader'))
  })
  afterAll(async () => {
    await Promise.all(electors.map((e) => e.stop({ release: false })))
    await removeNamespace()
    client.close()
  })

  test('lets only one replica lead, and another take over exactly when the lease has gone a lease duration unrenewed on its own clock', async () => {
    const name = uniqueName('lease')
    const timeline = aTimeline()
    const [a, b, c] = (['a', 'b', 'c'] as const).map((id) =>
      aReplica(id, { name, ...timeline.electorOptions(id) }),
    ) as [Replica, Replica, Replica]
    await started(a)
    expect(a.elector.isLeader).toBe(true)
    await started(b)
    await started(c)
    // Two lease durations of the leader renewing on the beat while the others look on.
    for (let t = 0; t < 2 * timing.leaseDurationMs; t += timing.retryPeriodMs) {
      for (const replica of [a, b, c]) await step(replica, timing.retryPeriodMs)
    }
    expect(timeline.leaders()).toEqual(['a'])
    expect([b.elector.leader, c.elector.leader]).toEqual(['a', 'a'])
    const lease = await getObject<KubeObject>(client, Leases, name, namespace)
    expect(lease?.spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 3,
      leaseTransitions: 0,
    })

    // Dies without a word: no release, the lease just stops being renewed. b and c last saw
    // it change at their last attempts, which came after a's last renewal.
    await a.elector.stop({ release: false })
    await step(b, timing.leaseDurationMs - 1)
    expect(b.elector.isLeader, 'b, a millisecond before the lease runs out on its clock').toBe(
      false,
    )
    await step(c, timing.leaseDurationMs)
    expect(c.elector.isLeader, 'c, as the lease runs out on its clock').toBe(true)
    await step(b, timing.retryPeriodMs)
    expect(b.elector.leader).toBe('c')
    expect(timeline.leaders()).toEqual(['c'])
    timeline.assertNoOverlap()
    const taken = await getObject<KubeObject>(client, Leases, name, namespace)
    expect(taken?.spec).toMatchObject({ holderIdentity: 'c', leaseTransitions: 1 })
  })

  test('makes a leader cut off from the apiserver stop leading before anyone else starts', async () => {
    const name = uniqueName('lease')
    const timeline = aTimeline()
    const { client: proxied, proxy } = await proxiedClient(kc)
    const errors: unknown[] = []
    try {
      const a = aReplica('a', {
        name,
        client: proxied,
        onError: (e) => errors.push(e),
        ...timeline.electorOptions('a'),
      })
      const b = aReplica('b', { name, ...timeline.electorOptions('b') })
      await started(a)
      await started(b)
      await step(a, timing.retryPeriodMs)
      await step(b, timing.retryPeriodMs)
      const renewedAt = a.clock.now()
      const seenAt = b.clock.now()

      proxy.refuse(true)
      proxy.cut()
      // From here both clocks run at one rate: each round moves both on by a retry period.
      let stoppedAfter: number | undefined
      let tookOverAfter: number | undefined
      for (let round = 1; round <= 10 && tookOverAfter === undefined; round++) {
        await step(a, timing.retryPeriodMs)
        await step(b, timing.retryPeriodMs)
        if (stoppedAfter === undefined && !a.elector.isLeader) {
          stoppedAfter = a.clock.now() - renewedAt
        }
        if (b.elector.isLeader) tookOverAfter = b.clock.now() - seenAt
      }
      expect(stoppedAfter, 'a stops once renewDeadline passed since its last renewal').toBe(
        timing.renewDeadlineMs,
      )
      expect(tookOverAfter, 'b takes over a lease duration after it last saw a renew').toBe(
        timing.leaseDurationMs,
      )
      timeline.assertNoOverlap()
      expect(errors.map(String).join('\n')).toMatch(/not renewed in time/)
    } finally {
      await proxy.close()
      proxied.close()
    }
  })

  test('hands the lease over at once on a graceful shutdown', async () => {
    const name = uniqueName('lease')
    const timeline = aTimeline()
    const a = aReplica('a', { name, ...timeline.electorOptions('a'), leaseDurationMs: 30_000 })
    const b = aReplica('b', { name, ...timeline.electorOptions('b'), leaseDurationMs: 30_000 })
    await started(a)
    await started(b)
    await step(b, timing.retryPeriodMs)
    expect(b.elector.isLeader).toBe(false)

    await a.elector.stop()
    await step(b, timing.retryPeriodMs)
    expect(b.elector.isLeader, 'at its next attempt, not 30 s later').toBe(true)
    timeline.assertNoOverlap()
  })

  test('keeps leading while it renews, term after term, writing the time of its own clock', async () => {
    const name = uniqueName('lease')
    const timeline = aTimeline()
    const a = aReplica('a', { name, ...timeline.electorOptions('a') })
    await started(a)
    const first = await getObject<KubeObject>(client, Leases, name, namespace)
    for (let t = 0; t < 2 * timing.leaseDurationMs; t += timing.retryPeriodMs) {
      await step(a, timing.retryPeriodMs)
    }
    const later = await getObject<KubeObject>(client, Leases, name, namespace)
    expect(a.elector.isLeader).toBe(true)
    expect(timeline.terms).toHaveLength(1)
    expect(later?.spec.renewTime).toBe(microTime(new Date(a.clock.now())))
    expect(later?.spec.acquireTime).toBe(first?.spec.acquireTime)
  })
})

import { KubeConfig } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readStackEnv } from '../../stack/src/env.ts'
import { getObject } from '../src/kube/apply.ts'
import { KubeClient, type KubeObject } from '../src/kube/client.ts'
import { LeaderElector, type LeaderElectorOptions } from '../src/kube/leader.ts'
import { Leases } from '../src/kube/resources.ts'
import { createTestNamespace, proxiedClient, uniqueName } from '../src/kube/testing.ts'

const kc = new KubeConfig()
kc.loadFromFile(readStackEnv().kube.kubeconfig)
const client = new KubeClient(kc)

const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 400 }

/**
 * Records every leadership term of every elector on one timeline, so a test can check that
 * no two terms overlap.
 */
function aTimeline() {
  const terms: { identity: string; start: number; end?: number }[] = []
  return {
    terms,
    electorOptions(identity: string): Partial<LeaderElectorOptions> {
      return {
        identity,
        onStartedLeading: (signal) => {
          const term: (typeof terms)[number] = { identity, start: Date.now() }
          terms.push(term)
          signal.addEventListener('abort', () => {
            term.end = Date.now()
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
        expect(previous.end as number).toBeLessThanOrEqual(current.start)
      }
    },
  }
}

describe('LeaderElector against the real apiserver', () => {
  let namespace = ''
  let removeNamespace = async () => {}
  const electors: LeaderElector[] = []

  function anElector(options: Partial<LeaderElectorOptions> & { name: string }) {
    const elector = new LeaderElector({
      client,
      namespace,
      identity: uniqueName('replica'),
      ...timing,
      ...options,
    })
    electors.push(elector)
    return elector
  }

  beforeAll(async () => {
    ;({ namespace, remove: removeNamespace } = await createTestNamespace(client, 'kube-leader'))
  })
  afterAll(async () => {
    await Promise.all(electors.map((e) => e.stop({ release: false })))
    await removeNamespace()
    client.close()
  })

  test('lets only one of two replicas lead, and the other take over within the lease duration once the leader stops renewing', async () => {
    const name = uniqueName('lease')
    const timeline = aTimeline()
    const a = anElector({ name, ...timeline.electorOptions('a') })
    const b = anElector({ name, ...timeline.electorOptions('b') })
    void a.start()
    await expect.poll(() => a.isLeader, { timeout: 5_000 }).toBe(true)
    void b.start()
    await new Promise((resolve) => setTimeout(resolve, 2 * timing.leaseDurationMs))
    expect(timeline.leaders()).toEqual(['a'])
    expect(b.leader).toBe('a')

    const lease = await getObject<KubeObject>(client, Leases, name, namespace)
    expect(lease?.spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 3,
      leaseTransitions: 0,
    })

    // Dies without a word: no release, the lease just stops being renewed.
    const died = Date.now()
    await a.stop({ release: false })
    await expect
      .poll(() => b.isLeader, { timeout: timing.leaseDurationMs + 3 * timing.retryPeriodMs })
      .toBe(true)
    const tookOverAfter = Date.now() - died
    expect(tookOverAfter).toBeGreaterThanOrEqual(timing.leaseDurationMs - timing.retryPeriodMs)
    expect(timeline.leaders()).toEqual(['b'])
    timeline.assertNoOverlap()
    const taken = await getObject<KubeObject>(client, Leases, name, namespace)
    expect(taken?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 })
  })

  test('makes a leader cut off from the apiserver stop leading before anyone else starts', async () => {
    const name = uniqueName('lease')
    const timeline = aTimeline()
    const { client: proxied, proxy } = await proxiedClient(kc)
    const errors: unknown[] = []
    try {
      const a = anElector({
        name,
        client: proxied,
        onError: (e) => errors.push(e),
        ...timeline.electorOptions('a'),
      })
      void a.start()
      await expect.poll(() => a.isLeader, { timeout: 5_000 }).toBe(true)
      const b = anElector({ name, ...timeline.electorOptions('b') })
      void b.start()
      await new Promise((resolve) => setTimeout(resolve, timing.retryPeriodMs * 2))

      const cutAt = Date.now()
      proxy.refuse(true)
      proxy.cut()
      await expect.poll(() => a.isLeader, { timeout: timing.renewDeadlineMs + 1_000 }).toBe(false)
      expect(Date.now() - cutAt).toBeLessThanOrEqual(timing.renewDeadlineMs + 500)
      await expect.poll(() => b.isLeader, { timeout: timing.leaseDurationMs * 2 }).toBe(true)
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
    const a = anElector({ name, ...timeline.electorOptions('a'), leaseDurationMs: 30_000 })
    void a.start()
    await expect.poll(() => a.isLeader, { timeout: 5_000 }).toBe(true)
    const b = anElector({ name, ...timeline.electorOptions('b'), leaseDurationMs: 30_000 })
    void b.start()
    await new Promise((resolve) => setTimeout(resolve, timing.retryPeriodMs * 2))
    expect(b.isLeader).toBe(false)

    const stoppedAt = Date.now()
    await a.stop()
    await expect.poll(() => b.isLeader, { timeout: 5_000 }).toBe(true)
    expect(Date.now() - stoppedAt, 'far sooner than the 30 s lease').toBeLessThan(5_000)
    timeline.assertNoOverlap()
  })

  test('keeps leading while it renews, term after term', async () => {
    const name = uniqueName('lease')
    const timeline = aTimeline()
    const a = anElector({ name, ...timeline.electorOptions('a') })
    void a.start()
    await expect.poll(() => a.isLeader, { timeout: 5_000 }).toBe(true)
    const first = await getObject<KubeObject>(client, Leases, name, namespace)
    await new Promise((resolve) => setTimeout(resolve, 2 * timing.leaseDurationMs))
    const later = await getObject<KubeObject>(client, Leases, name, namespace)
    expect(a.isLeader).toBe(true)
    expect(timeline.terms).toHaveLength(1)
    expect(later?.spec.renewTime).not.toBe(first?.spec.renewTime)
    expect(later?.spec.acquireTime).toBe(first?.spec.acquireTime)
  })
})

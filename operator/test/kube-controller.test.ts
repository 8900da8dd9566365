import { apply, deleteObject, getObject } from '@fjord/kube/apply'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import { apiListWatch, Informer } from '@fjord/kube/informer'
import { LeaderElector } from '@fjord/kube/leader'
import { ConfigMaps, collectionPath } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import { createTestNamespace } from '@fjord/testing/kube'
import { uniqueName } from '@fjord/testing/names'
import { KubeConfig } from '@kubernetes/client-node'
import pino, { type Logger } from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Controller, type LeaderLoop, LeaderWork } from '../src/kube/controller.ts'
import { registry } from '../src/kube/metrics.ts'
import { operatorReadiness, startHealthServer } from '../src/kube/server.ts'
import { aRecordingLogger } from './support/logs.ts'

const kc = new KubeConfig()
kc.loadFromFile(readStackEnv().kube.kubeconfig)
const client = new KubeClient(kc)
const quiet = pino({ level: 'silent' })

/**
 * A toy operator: every ConfigMap labelled role=source gets a `<name>-copy` with the same
 * data, and the copy goes when the source goes. The informer does not see the copies, so
 * only a resync can notice one deleted behind the operator's back.
 */
function aCopyOperator(namespace: string, options: { resyncPeriodMs?: number; log?: Logger } = {}) {
  const informer = new Informer(
    apiListWatch(client, collectionPath(ConfigMaps, namespace), { labelSelector: 'role=source' }),
  )
  const calls: string[] = []
  const hooks = {
    beforeReconcile: async (_key: string, _signal: AbortSignal) => {},
  }
  const kind = uniqueName('Copy')
  const controller = new Controller({
    kind,
    informer,
    log: options.log ?? quiet,
    baseDelayMs: 50,
    resyncPeriodMs: options.resyncPeriodMs ?? 300_000,
    reconcile: async (key, signal) => {
      calls.push(key)
      await hooks.beforeReconcile(key, signal)
      const [ns, name] = key.split('/') as [string, string]
      const source = informer.get(key)
      if (!source) {
        await deleteObject(client, ConfigMaps, `${name}-copy`, ns, { signal })
        return
      }
      await apply(
        client,
        ConfigMaps,
        { metadata: { name: `${name}-copy`, namespace: ns }, data: source.data ?? {} },
        { signal },
      )
    },
  })
  informer.start()
  return { informer, controller, calls, hooks, kind }
}

const aSource = (namespace: string, name: string, data: Record<string, string>) => ({
  metadata: { name, namespace, labels: { role: 'source' } },
  data,
})

const copyOf = async (namespace: string, name: string) =>
  (await getObject(client, ConfigMaps, `${name}-copy`, namespace))?.data

describe('Controller against the real apiserver', () => {
  let namespace = ''
  let removeNamespace = async () => {}
  const cleanups: (() => Promise<void>)[] = []

  beforeAll(async () => {
    ;({ namespace, remove: removeNamespace } = await createTestNamespace(client, 'kube-ctrl'))
  })
  /** Runs the controller until the cleanups at the end stop it, then its informer. */
  const runUntilCleanup = <T extends KubeObject>(
    controller: Controller<T>,
    informer: Informer<T>,
  ) => {
    const term = new AbortController()
    const running = controller.run(term.signal)
    cleanups.push(async () => {
      term.abort()
      await running
      await informer.stop()
    })
  }

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup()
    await removeNamespace()
    client.close()
  })

  test('reconciles objects while it leads and stops at once, mid-reconcile, when leadership ends', async () => {
    const { informer, controller, hooks } = aCopyOperator(namespace)
    const elector = new LeaderElector({
      client,
      namespace,
      name: uniqueName('lease'),
      identity: 'only',
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 400,
      onStartedLeading: new LeaderWork([controller], [], quiet).onStartedLeading,
    })
    cleanups.push(
      () => informer.stop(),
      () => elector.stop(),
    )
    await apply(client, ConfigMaps, aSource(namespace, 'before-start', { v: '0' }))
    void elector.start()

    await expect
      .poll(() => copyOf(namespace, 'before-start'), { timeout: 10_000 })
      .toEqual({ v: '0' })
    await apply(client, ConfigMaps, aSource(namespace, 'live', { v: '1' }))
    await expect.poll(() => copyOf(namespace, 'live'), { timeout: 10_000 }).toEqual({ v: '1' })
    await apply(client, ConfigMaps, aSource(namespace, 'live', { v: '2' }))
    await expect.poll(() => copyOf(namespace, 'live'), { timeout: 10_000 }).toEqual({ v: '2' })
    await deleteObject(client, ConfigMaps, 'live', namespace)
    await expect.poll(() => copyOf(namespace, 'live'), { timeout: 10_000 }).toBeUndefined()

    let inFlight: AbortSignal | undefined
    hooks.beforeReconcile = async (key, signal) => {
      if (!key.endsWith('/slow')) return
      inFlight = signal
      await new Promise((resolve) => signal.addEventListener('abort', resolve))
      signal.throwIfAborted()
    }
    await apply(client, ConfigMaps, aSource(namespace, 'slow', { v: '1' }))
    await expect.poll(() => inFlight, { timeout: 10_000 }).toBeDefined()
    await elector.stop()
    expect(inFlight?.aborted).toBe(true)
    expect(controller.queue).toBeUndefined()

    await apply(client, ConfigMaps, aSource(namespace, 'after-stop', { v: '1' }))
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(await copyOf(namespace, 'after-stop')).toBeUndefined()
    expect(await copyOf(namespace, 'slow')).toBeUndefined()
  })

  test('starts a term only once the other caches its reconcile reads have synced', async () => {
    await apply(client, ConfigMaps, aSource(namespace, 'needs-settings', { v: '1' }))
    await apply(client, ConfigMaps, {
      metadata: { name: 'settings', namespace, labels: { role: 'settings' } },
      data: {},
    })
    const own = new Informer(
      apiListWatch(client, collectionPath(ConfigMaps, namespace), { labelSelector: 'role=source' }),
    )
    const settings = new Informer(
      apiListWatch(client, collectionPath(ConfigMaps, namespace), {
        labelSelector: 'role=settings',
      }),
    )
    const sawSettings: boolean[] = []
    const controller = new Controller({
      kind: uniqueName('Reader'),
      informer: own,
      caches: [settings],
      log: quiet,
      reconcile: async () => {
        sawSettings.push(settings.get(`${namespace}/settings`) !== undefined)
      },
    })
    own.start()
    runUntilCleanup(controller, own)
    await own.synced
    // Its own cache is full; the one of settings starts listing only now.
    settings.start()
    cleanups.push(() => settings.stop())
    await expect.poll(() => sawSettings.length).toBeGreaterThan(0)
    expect(sawSettings).not.toContain(false)
  })

  test('retries a failing reconcile until it succeeds and counts both outcomes in /metrics', async () => {
    const { informer, controller, hooks, kind } = aCopyOperator(namespace)
    let failuresLeft = 2
    hooks.beforeReconcile = async (key) => {
      if (key.endsWith('/flaky') && failuresLeft-- > 0) throw new Error('kafka is down')
    }
    runUntilCleanup(controller, informer)
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      ready: operatorReadiness({ informers: [{ name: kind, informer }] }),
    })
    cleanups.push(() => server.close())
    await apply(client, ConfigMaps, aSource(namespace, 'flaky', { v: '1' }))
    await expect.poll(() => copyOf(namespace, 'flaky'), { timeout: 10_000 }).toEqual({ v: '1' })

    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`)
    expect(ready.status).toBe(200)
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text()
    expect(metrics).toContain(`fjord_operator_reconciles_total{kind="${kind}",result="error"} 2`)
    expect(metrics).toMatch(
      new RegExp(`fjord_operator_reconciles_total\\{kind="${kind}",result="success"\\} [1-9]`),
    )
    expect(metrics).toContain(`fjord_operator_queue_depth{kind="${kind}",state="ready"} 0`)
    expect(metrics).toContain(`fjord_operator_cached_objects{kind="${kind}"} ${informer.size}`)
    expect(metrics).toContain(`fjord_operator_reconcile_duration_seconds_count{kind="${kind}"}`)
    expect(
      await registry.getSingleMetricAsString('fjord_operator_kafka_admin_errors_total'),
    ).toContain('counter')
  })

  test('retries a reconcile that met a newer version of its object without logging an error', async () => {
    const { log, lines } = aRecordingLogger()
    const { informer, controller, hooks, kind, calls } = aCopyOperator(namespace, { log })
    let stale = true
    hooks.beforeReconcile = async (key) => {
      if (!key.endsWith('/contended') || !stale) return
      stale = false
      // As a status write does when someone wrote the object since the informer saw it.
      await apply(client, ConfigMaps, {
        ...aSource(namespace, 'contended', { v: '1' }),
        metadata: { name: 'contended', namespace, resourceVersion: '1' },
      })
    }
    runUntilCleanup(controller, informer)
    await apply(client, ConfigMaps, aSource(namespace, 'contended', { v: '1' }))
    await expect.poll(() => copyOf(namespace, 'contended'), { timeout: 10_000 }).toEqual({ v: '1' })
    // The copy may come from an earlier test's controller, still watching this namespace: wait
    // for this one's retry, which follows its logged failure.
    const passes = () => calls.filter((key) => key.endsWith('/contended')).length
    await expect.poll(passes, { timeout: 10_000 }).toBeGreaterThanOrEqual(2)

    const failures = lines.filter((line) => line.msg === 'reconcile failed')
    expect(failures).toEqual([
      {
        level: 'debug',
        msg: 'reconcile failed',
        controller: kind,
        key: `${namespace}/contended`,
        err: expect.objectContaining({ message: expect.stringContaining('409') }),
        retryInMs: expect.any(Number),
      },
    ])
  })

  test('repairs drift made behind its back on the next resync', async () => {
    const { informer, controller } = aCopyOperator(namespace, { resyncPeriodMs: 1_000 })
    runUntilCleanup(controller, informer)
    await apply(client, ConfigMaps, aSource(namespace, 'drifting', { v: '1' }))
    await expect.poll(() => copyOf(namespace, 'drifting'), { timeout: 10_000 }).toEqual({ v: '1' })
    await deleteObject(client, ConfigMaps, 'drifting-copy', namespace)
    await expect.poll(() => copyOf(namespace, 'drifting'), { timeout: 10_000 }).toEqual({ v: '1' })
  })
})

describe('LeaderWork draining on shutdown', () => {
  let namespace = ''
  let removeNamespace = async () => {}
  const informers: Informer<KubeObject>[] = []

  beforeAll(async () => {
    ;({ namespace, remove: removeNamespace } = await createTestNamespace(client, 'kube-drain'))
  })
  afterAll(async () => {
    for (const informer of informers) await informer.stop()
    await removeNamespace()
  })

  /** The copy operator leading alone in this namespace, with a loop beside it that records its end. */
  function aLeader() {
    const operator = aCopyOperator(namespace)
    informers.push(operator.informer)
    const loop = { stopped: false }
    const beside: LeaderLoop = {
      kind: 'beside',
      run: (signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            loop.stopped = true
            resolve()
          }),
        ),
    }
    const work = new LeaderWork([operator.controller], [beside], quiet)
    work.onStartedLeading(new AbortController().signal)
    /** Holds the next pass of `name` until its signal aborts or `finish` is called. */
    const holdPassOf = (name: string) => {
      const held = Promise.withResolvers<AbortSignal>()
      let finish = () => {}
      operator.hooks.beforeReconcile = async (key, signal) => {
        if (!key.endsWith(`/${name}`)) return
        held.resolve(signal)
        await new Promise<void>((resolve) => {
          finish = resolve
          signal.addEventListener('abort', () => resolve())
        })
        signal.throwIfAborted()
      }
      return { signal: held.promise, finish: () => finish() }
    }
    return { ...operator, work, loop, holdPassOf }
  }

  test('finishes the reconcile in flight, starts no other, then stops the loops beside it', async () => {
    const { work, loop, holdPassOf, calls, informer } = aLeader()
    const pass = holdPassOf('in-flight')
    await apply(client, ConfigMaps, aSource(namespace, 'in-flight', { v: '1' }))
    const signal = await pass.signal
    const drained = work.drain(30_000)
    await apply(client, ConfigMaps, aSource(namespace, 'too-late', { v: '1' }))
    await expect.poll(() => informer.get(`${namespace}/too-late`)).toBeDefined()
    expect(loop.stopped).toBe(false)
    pass.finish()
    await drained
    expect(signal.aborted).toBe(false)
    expect(await copyOf(namespace, 'in-flight')).toEqual({ v: '1' })
    expect(loop.stopped).toBe(true)
    expect(calls).toEqual([`${namespace}/in-flight`])
  })

  test('aborts a reconcile that outlasts the grace', async () => {
    const { work, loop, holdPassOf } = aLeader()
    const pass = holdPassOf('stuck')
    await apply(client, ConfigMaps, aSource(namespace, 'stuck', { v: '1' }))
    const signal = await pass.signal
    await work.drain(200)
    expect(signal.aborted).toBe(true)
    expect(loop.stopped).toBe(true)
  })

  test('stops waiting for a reconcile that ignores its abort, so the lease is handed back before the kill', {
    timeout: 10_000,
  }, async () => {
    const { work, loop, hooks } = aLeader()
    const held = Promise.withResolvers<AbortSignal>()
    const release = Promise.withResolvers<void>()
    hooks.beforeReconcile = async (key, signal) => {
      if (!key.endsWith('/deaf')) return
      held.resolve(signal)
      await release.promise
    }
    await apply(client, ConfigMaps, aSource(namespace, 'deaf', { v: '1' }))
    const signal = await held.promise
    await work.drain(100, 100)
    expect(signal.aborted).toBe(true)
    expect(loop.stopped).toBe(true)
    release.resolve()
  })
})

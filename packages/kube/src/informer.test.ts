import { FakeClock } from '@fjord/time/clock'
import { beforeEach, describe, expect, test } from 'vitest'
import type { KubeObject, WatchEventType } from './client.ts'
import { KubeError } from './errors.ts'
import { Informer, type ListWatchSource, objectKey, stripForCache } from './informer.ts'

function aConfigMap(name: string, resourceVersion: string, data: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'ns',
      resourceVersion,
      managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:data': {} } }],
    },
    data,
  }
}

interface OpenWatch {
  resourceVersion: string
  send(type: WatchEventType, object: KubeObject | object): void
  end(error?: KubeError): void
  stopped: boolean
}

/** A source the test drives: it answers lists from `items` and records each watch opened. */
function aFakeSource(initial: KubeObject[]) {
  const state = {
    items: initial,
    resourceVersion: '10',
    listCalls: [] as { limit: number; continue?: string }[],
    failNextLists: 0,
    watches: [] as OpenWatch[],
  }
  const source: ListWatchSource = {
    async list(query) {
      state.listCalls.push(query)
      if (state.failNextLists > 0) {
        state.failNextLists--
        throw new KubeError({ code: 'unavailable', status: 503, message: 'apiserver down' })
      }
      const start = Number(query.continue ?? 0)
      const items = state.items.slice(start, start + query.limit)
      const next = start + query.limit
      return {
        items,
        metadata: {
          resourceVersion: state.resourceVersion,
          ...(next < state.items.length ? { continue: String(next) } : {}),
        },
      }
    },
    async watch(query, onEvent, onDone) {
      const open: OpenWatch = {
        resourceVersion: query.resourceVersion,
        stopped: false,
        send: (type, object) => onEvent(type, object as KubeObject),
        end: (error) => onDone(error),
      }
      state.watches.push(open)
      return {
        stop() {
          open.stopped = true
        },
      }
    },
  }
  return { source, state, lastWatch: () => state.watches.at(-1) as OpenWatch }
}

function recordEvents(informer: Informer) {
  const events: string[] = []
  informer
    .onAdd((o) => events.push(`add ${objectKey(o)}`))
    .onUpdate((o, old) =>
      events.push(
        `update ${objectKey(o)} ${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`,
      ),
    )
    .onDelete((o) => events.push(`delete ${objectKey(o)}`))
  return events
}

/** What the informer resumes (a list page, a watch) runs before the next macrotask. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('Informer', () => {
  let clock: FakeClock
  beforeEach(() => {
    clock = new FakeClock()
  })

  /** Moves time on by `ms`, letting the informer act on each timer before the next falls due. */
  async function advance(ms: number): Promise<void> {
    const until = clock.now() + ms
    await settle()
    for (let due = clock.nextDue; due !== undefined && due <= until; due = clock.nextDue) {
      clock.step(due - clock.now())
      await settle()
    }
    clock.step(until - clock.now())
    await settle()
  }

  test('lists page by page, then watches from the resourceVersion of the list', async () => {
    const items = Array.from({ length: 5 }, (_, i) => aConfigMap(`cm${i}`, String(i + 1)))
    const { source, state, lastWatch } = aFakeSource(items)
    const informer = new Informer(source, { clock, pageSize: 2 })
    const events = recordEvents(informer)
    informer.start()
    await informer.synced
    await advance(0)
    expect(state.listCalls).toEqual([
      { limit: 2 },
      { limit: 2, continue: '2' },
      { limit: 2, continue: '4' },
    ])
    expect(events).toHaveLength(5)
    expect(informer.size).toBe(5)
    expect(lastWatch().resourceVersion).toBe('10')
    await informer.stop()
  })

  test('keeps the cache current from watch events and tells the handlers', async () => {
    const { source, lastWatch } = aFakeSource([aConfigMap('a', '1')])
    const informer = new Informer(source, { clock })
    const events = recordEvents(informer)
    informer.start()
    await informer.synced
    await advance(0)
    lastWatch().send('ADDED', aConfigMap('b', '11'))
    lastWatch().send('MODIFIED', aConfigMap('a', '12', { x: '1' }))
    lastWatch().send('DELETED', aConfigMap('b', '13'))
    expect(events).toEqual(['add ns/a', 'add ns/b', 'update ns/a 1->12', 'delete ns/b'])
    expect(informer.keys()).toEqual(['ns/a'])
    expect(informer.get('ns/a')?.data).toEqual({ x: '1' })
    await informer.stop()
  })

  test('drops managedFields from cached objects', async () => {
    const { source } = aFakeSource([aConfigMap('a', '1')])
    const informer = new Informer(source, { clock })
    informer.start()
    await informer.synced
    expect(informer.get('ns/a')?.metadata).toEqual({
      name: 'a',
      namespace: 'ns',
      resourceVersion: '1',
    })
    await informer.stop()
  })

  test('resumes the watch from the last resourceVersion seen, bookmarks included, without listing again', async () => {
    const { source, state, lastWatch } = aFakeSource([])
    const informer = new Informer(source, { clock })
    informer.start()
    await informer.synced
    await advance(0)
    lastWatch().send('ADDED', aConfigMap('a', '15'))
    lastWatch().send('BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '20' } })
    await advance(5000)
    lastWatch().end()
    await advance(0)
    expect(state.watches).toHaveLength(2)
    expect(lastWatch().resourceVersion).toBe('20')
    expect(state.listCalls).toHaveLength(1)
    await informer.stop()
  })

  test('lists again after a 410 Gone and reports what changed in the gap', async () => {
    const { source, state, lastWatch } = aFakeSource([aConfigMap('a', '1'), aConfigMap('b', '2')])
    const informer = new Informer(source, { clock })
    const events = recordEvents(informer)
    informer.start()
    await informer.synced
    await advance(0)
    state.items = [aConfigMap('b', '30'), aConfigMap('c', '31')]
    state.resourceVersion = '40'
    lastWatch().send('ERROR', { kind: 'Status', code: 410, reason: 'Expired' })
    await advance(0)
    expect(events.slice(2)).toEqual(['update ns/b 2->30', 'add ns/c', 'delete ns/a'])
    expect(informer.stats.expired).toBe(1)
    expect(state.listCalls).toHaveLength(2)
    expect(lastWatch().resourceVersion).toBe('40')
    await informer.stop()
  })

  test('lists again when the watch request itself is refused with 410', async () => {
    const { source, state, lastWatch } = aFakeSource([])
    const informer = new Informer(source, { clock })
    informer.start()
    await informer.synced
    await advance(0)
    lastWatch().end(new KubeError({ code: 'gone', status: 410, message: 'too old' }))
    await advance(0)
    expect(state.listCalls).toHaveLength(2)
    await informer.stop()
  })

  test('restarts a watch that stays silent longer than the stall timeout', async () => {
    const { source, state, lastWatch } = aFakeSource([])
    const informer = new Informer(source, { clock, stallTimeoutMs: 10_000 })
    informer.start()
    await informer.synced
    await advance(0)
    const first = lastWatch()
    await advance(9000)
    first.send('BOOKMARK', { metadata: { resourceVersion: '11' } })
    await advance(9000)
    expect(state.watches, 'a bookmark feeds the watchdog').toHaveLength(1)
    await advance(1000)
    expect(first.stopped).toBe(true)
    expect(state.watches).toHaveLength(2)
    expect(lastWatch().resourceVersion).toBe('11')
    expect(informer.stats.stalls).toBe(1)
    await informer.stop()
  })

  test('retries a failing list with backoff and only then counts as synced', async () => {
    const { source, state } = aFakeSource([aConfigMap('a', '1')])
    state.failNextLists = 3
    const errors: unknown[] = []
    const informer = new Informer(source, {
      clock,
      retryBaseDelayMs: 1000,
      onError: (e) => errors.push(e),
    })
    informer.start()
    await advance(500)
    expect(informer.hasSynced).toBe(false)
    await advance(1000 + 2000 + 4000)
    expect(informer.hasSynced).toBe(true)
    expect(state.listCalls).toHaveLength(4)
    expect(errors).toHaveLength(3)
    await informer.stop()
  })

  test('backs off when a watch keeps failing to open', async () => {
    const { source, state, lastWatch } = aFakeSource([])
    const informer = new Informer(source, { clock, retryBaseDelayMs: 1000 })
    informer.start()
    await informer.synced
    await advance(0)
    lastWatch().end(new KubeError({ code: 'unavailable', status: 503, message: 'down' }))
    await advance(500)
    expect(state.watches).toHaveLength(1)
    await advance(1000)
    expect(state.watches).toHaveLength(2)
    await informer.stop()
  })

  test('stop closes the watch and ends the loop', async () => {
    const { source, lastWatch, state } = aFakeSource([])
    const informer = new Informer(source, { clock })
    informer.start()
    await informer.synced
    await advance(0)
    await informer.stop()
    expect(lastWatch().stopped).toBe(true)
    await advance(600_000)
    expect(state.watches).toHaveLength(1)
  })

  test('stop cuts a wait before a retry short', async () => {
    const { source, state } = aFakeSource([])
    state.failNextLists = 1
    const informer = new Informer(source, { clock, retryBaseDelayMs: 10_000, onError: () => {} })
    informer.start()
    await advance(0)
    expect(clock.nextDue, 'a retry 8 to 10 s on').toBeGreaterThanOrEqual(8_000)
    await informer.stop()
    expect(clock.nextDue, 'the retry timer is dropped').toBeUndefined()
    expect(state.listCalls).toHaveLength(1)
  })
})

describe('stripForCache', () => {
  test('keeps everything but managedFields and the last-applied annotation', () => {
    const object = {
      ...aConfigMap('a', '1', { k: 'v' }),
      status: { phase: 'Ready' },
    }
    object.metadata = {
      ...object.metadata,
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' },
    } as typeof object.metadata
    expect(stripForCache(object)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'ns', resourceVersion: '1', annotations: { keep: 'me' } },
      data: { k: 'v' },
      status: { phase: 'Ready' },
    })
  })
})

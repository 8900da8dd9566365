import { type Backoff, backoffDelay } from '@fjord/time/backoff'
import { type Clock, sleep, systemClock } from '@fjord/time/clock'
import type { KubeClient, KubeList, KubeObject, WatchEventType, WatchHandle } from './client.ts'
import { isKubeError, type KubeError } from './errors.ts'
import { type ListPage, listPages } from './list.ts'

/** Where an informer lists and watches from; the real one is `apiListWatch`, tests may fake it. */
export interface ListWatchSource {
  list: ListPage
  watch(
    query: { resourceVersion: string; allowWatchBookmarks: true; timeoutSeconds: number },
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    onDone: (error: KubeError | undefined) => void,
  ): Promise<WatchHandle>
}

/** Lists and watches a collection path such as `/apis/fjord.dev/v1alpha1/kafkatopics`. */
export function apiListWatch(
  client: KubeClient,
  path: string,
  selectors: { labelSelector?: string; fieldSelector?: string } = {},
): ListWatchSource {
  return {
    list: (query) => client.get<KubeList<KubeObject>>(path, { query: { ...selectors, ...query } }),
    watch: (query, onEvent, onDone) =>
      client.watch(path, { ...selectors, ...query }, onEvent, onDone),
  }
}

export interface InformerOptions<T extends KubeObject> {
  /** Objects per list page: bounds the size of one response held in memory. */
  pageSize?: number
  /**
   * No event and no bookmark for this long means the watch is stuck (a half-open TCP
   * connection, a wedged proxy): drop it and watch again. The apiserver sends a bookmark
   * about once a minute, so keep this above that.
   */
  stallTimeoutMs?: number
  /** Asks the apiserver to end each watch after about this long, so connections are renewed. */
  watchTimeoutSeconds?: number
  /** The first wait after a failed list or watch; it doubles on each failure in a row. */
  retryBaseDelayMs?: number
  retryMaxDelayMs?: number
  /** Where the retry waits, the watchdog and the watch's age are measured. */
  clock?: Clock
  /** Shapes each object before it is cached; the default drops what a reconciler never reads. */
  transform?: (object: KubeObject) => T
  onError?: (error: unknown) => void
}

export interface InformerStats {
  lists: number
  watches: number
  stalls: number
  expired: number
}

type Handler<T> = (object: T) => void
type UpdateHandler<T> = (object: T, old: T) => void

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones. */
export function objectKey(object: { metadata: { name: string; namespace?: string } }): string {
  const { name, namespace } = object.metadata
  return namespace ? `${namespace}/${name}` : name
}

/** The inverse of `objectKey`. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/')
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) }
}

/**
 * managedFields are often larger than the rest of an object and only the apiserver reads
 * them; at 10,000 cached objects dropping them is most of the memory budget.
 */
export function stripForCache<T extends KubeObject>(object: KubeObject): T {
  const { managedFields: _managedFields, ...metadata } = object.metadata
  const annotations = metadata.annotations
  if (annotations && 'kubectl.kubernetes.io/last-applied-configuration' in annotations) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _last, ...rest } = annotations
    metadata.annotations = rest
  }
  return { ...object, metadata } as T
}

/**
 * A cache of one resource kept current by list + watch, after client-go's reflector: the
 * watch resumes from the last resourceVersion seen (bookmarks included), a 410 Gone means
 * that version has been compacted away and the cache is rebuilt from a fresh list, and a
 * watchdog restarts a watch that has gone silent.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly #source: ListWatchSource
  readonly #pageSize: number
  readonly #stallTimeoutMs: number
  readonly #watchTimeoutSeconds: number
  readonly #retryBackoff: Backoff
  readonly #clock: Clock
  readonly #transform: (object: KubeObject) => T
  readonly #onError: (error: unknown) => void
  readonly #addHandlers: Handler<T>[] = []
  readonly #updateHandlers: UpdateHandler<T>[] = []
  readonly #deleteHandlers: Handler<T>[] = []

  #cache = new Map<string, T>()
  #resourceVersion = ''
  #hasSynced = false
  #markSynced!: () => void
  readonly synced: Promise<void>
  readonly stats: InformerStats = { lists: 0, watches: 0, stalls: 0, expired: 0 }

  /** Aborted by `stop()`: ends the watch in flight and any wait before a retry. */
  readonly #stop = new AbortController()
  #running: Promise<void> | undefined

  constructor(source: ListWatchSource, options: InformerOptions<T> = {}) {
    this.#source = source
    this.#pageSize = options.pageSize ?? 500
    this.#stallTimeoutMs = options.stallTimeoutMs ?? 90_000
    this.#watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300
    this.#retryBackoff = {
      initialMs: options.retryBaseDelayMs ?? 500,
      maxMs: options.retryMaxDelayMs ?? 30_000,
      jitter: 0.2,
    }
    this.#clock = options.clock ?? systemClock
    this.#transform = options.transform ?? stripForCache
    this.#onError = options.onError ?? (() => {})
    this.synced = new Promise((resolve) => {
      this.#markSynced = resolve
    })
  }

  onAdd(handler: Handler<T>): this {
    this.#addHandlers.push(handler)
    return this
  }

  onUpdate(handler: UpdateHandler<T>): this {
    this.#updateHandlers.push(handler)
    return this
  }

  onDelete(handler: Handler<T>): this {
    this.#deleteHandlers.push(handler)
    return this
  }

  get hasSynced(): boolean {
    return this.#hasSynced
  }

  get size(): number {
    return this.#cache.size
  }

  /** The latest object seen under this key; treat it as read-only, it is shared. */
  get(key: string): T | undefined {
    return this.#cache.get(key)
  }

  keys(): string[] {
    return [...this.#cache.keys()]
  }

  list(): T[] {
    return [...this.#cache.values()]
  }

  start(): void {
    if (this.#running || this.#stopped) return
    this.#running = this.#run()
  }

  async stop(): Promise<void> {
    this.#stop.abort()
    await this.#running
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted
  }

  async #run(): Promise<void> {
    let needList = true
    let failures = 0
    while (!this.#stopped) {
      try {
        if (needList) {
          await this.#relist()
          needList = false
        }
        if (this.#stopped) break
        const started = this.#clock.now()
        const outcome = await this.#watchOnce()
        if (this.#stopped) break
        if (outcome === 'gone') {
          this.stats.expired++
          needList = true
        } else if (outcome === 'ended' && this.#clock.now() - started < 1000) {
          // A watch the server closes at once, again and again, must not spin.
          await this.#backOff(failures++)
        } else {
          failures = 0
        }
      } catch (error) {
        if (this.#stopped) break
        this.#onError(error)
        await this.#backOff(failures++)
      }
    }
  }

  /** Waits before retry number `retry` (0 for the first), or until stopped. */
  #backOff(retry: number): Promise<void> {
    return sleep(backoffDelay(retry, this.#retryBackoff), this.#clock, this.#stop.signal)
  }

  async #relist(): Promise<void> {
    const fresh = new Map<string, T>()
    let resourceVersion = ''
    const pages = listPages((query) => this.#source.list(query), {
      pageSize: this.#pageSize,
      signal: this.#stop.signal,
    })
    for await (const page of pages) {
      // Shaped page by page: a page's full objects are dropped before the next one comes.
      for (const item of page.items) {
        const object = this.#transform(item)
        fresh.set(objectKey(object), object)
      }
      resourceVersion = page.metadata.resourceVersion ?? ''
    }
    if (this.#stopped) return
    this.stats.lists++
    const old = this.#cache
    this.#cache = fresh
    this.#resourceVersion = resourceVersion
    for (const [key, object] of fresh) {
      const before = old.get(key)
      if (!before) this.#emit(this.#addHandlers, object)
      else if (before.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.#emitUpdate(object, before)
    }
    for (const [key, object] of old) {
      if (!fresh.has(key)) this.#emit(this.#deleteHandlers, object)
    }
    if (!this.#hasSynced) {
      this.#hasSynced = true
      this.#markSynced()
    }
  }

  /** Watches until the stream ends; resolves with why, rejects on a failed watch. */
  #watchOnce(): Promise<'ended' | 'gone' | 'stalled'> {
    return new Promise((resolve, reject) => {
      let settled = false
      let cancelWatchdog: (() => void) | undefined
      let handle: WatchHandle | undefined
      const stopped = () => finish('ended')
      const finish = (outcome: 'ended' | 'gone' | 'stalled' | Error) => {
        if (settled) return
        settled = true
        cancelWatchdog?.()
        handle?.stop()
        this.#stop.signal.removeEventListener('abort', stopped)
        if (outcome instanceof Error) reject(outcome)
        else resolve(outcome)
      }
      const feedWatchdog = () => {
        cancelWatchdog?.()
        cancelWatchdog = this.#clock.setTimeout(() => {
          this.stats.stalls++
          finish('stalled')
        }, this.#stallTimeoutMs)
      }
      this.#stop.signal.addEventListener('abort', stopped, { once: true })
      feedWatchdog()
      this.stats.watches++
      // Spread renewals of many informers' watches, as client-go does.
      const timeoutSeconds = Math.round(this.#watchTimeoutSeconds * (1 + Math.random()))
      this.#source
        .watch(
          { resourceVersion: this.#resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
          (type, object) => {
            if (settled) return
            feedWatchdog()
            try {
              const outcome = this.#handleEvent(type, object)
              if (outcome) finish(outcome)
            } catch (error) {
              this.#onError(error)
            }
          },
          (error) => {
            if (isKubeError(error, 'gone')) finish('gone')
            else finish(error ?? 'ended')
          },
        )
        .then(
          (opened) => {
            handle = opened
            if (settled) opened.stop()
          },
          (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
        )
    })
  }

  #handleEvent(type: WatchEventType, raw: KubeObject): 'gone' | Error | undefined {
    if (type === 'ERROR') {
      const status = raw as unknown as { code?: number; message?: string }
      if (status.code === 410) return 'gone'
      return new Error(`watch error ${status.code}: ${status.message}`)
    }
    const resourceVersion = raw.metadata?.resourceVersion
    if (resourceVersion) this.#resourceVersion = resourceVersion
    if (type === 'BOOKMARK') return undefined
    const object = this.#transform(raw)
    const key = objectKey(object)
    const before = this.#cache.get(key)
    if (type === 'DELETED') {
      this.#cache.delete(key)
      this.#emit(this.#deleteHandlers, object)
    } else {
      this.#cache.set(key, object)
      if (!before) this.#emit(this.#addHandlers, object)
      else if (before.metadata.resourceVersion !== resourceVersion) this.#emitUpdate(object, before)
    }
    return undefined
  }

  #emit(handlers: Handler<T>[], object: T): void {
    for (const handler of handlers) {
      try {
        handler(object)
      } catch (error) {
        this.#onError(error)
      }
    }
  }

  #emitUpdate(object: T, old: T): void {
    for (const handler of this.#updateHandlers) {
      try {
        handler(object, old)
      } catch (error) {
        this.#onError(error)
      }
    }
  }
}

import { Agent, request as httpsRequest, type RequestOptions } from 'node:https'
import { KubeConfig } from '@kubernetes/client-node'
import { KubeError, kubeErrorFromResponse } from './errors.ts'

/** The fields every Kubernetes object has, kept loose: objects stay plain JSON. */
export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
  // biome-ignore lint/suspicious/noExplicitAny: spec and status differ per kind
  [field: string]: any
}

export interface ObjectMeta {
  name: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  labels?: Record<string, string>
  annotations?: Record<string, string>
  finalizers?: string[]
  deletionTimestamp?: string
  ownerReferences?: OwnerReference[]
  managedFields?: unknown[]
  [field: string]: unknown
}

export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export interface KubeList<T> {
  apiVersion?: string
  kind?: string
  items: T[]
  metadata: { resourceVersion?: string; continue?: string }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'

export interface RequestOptionsForKube {
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  contentType?: string
  signal?: AbortSignal
  /** Per-request deadline; a hung apiserver must not hang a reconcile or a lease renewal. */
  timeoutMs?: number
}

/** A running watch; `stop()` closes the connection without calling `onDone` with an error. */
export interface WatchHandle {
  stop(): void
}

/**
 * A thin JSON client over a KubeConfig: @kubernetes/client-node (2.0.1) reads the kubeconfig
 * and its credentials, and this package does the rest by hand, because client-node has no
 * leader election (only the Lease API) and no work queue, and its `ListWatch` (cache.js)
 * cannot keep a large cache current:
 * - it lists once, without `limit`, and never reads `continue`: no paging;
 * - its watches send only resourceVersion and selectors, never `allowWatchBookmarks`, so a
 *   quiet watch resumes from an old version after Watch's 30 s inactivity timeout, and once
 *   that version is compacted pays a full list;
 * - any error but 410 Gone and that timeout (a failed list, a 500, a reset connection) goes
 *   to its error handlers and the ListWatch stops until someone calls `start()` again.
 * Its generic `KubernetesObjectApi` writes no subresources (no `/status`) and turns metadata
 * timestamps into Dates; objects here stay the JSON the apiserver sent.
 */
export class KubeClient {
  readonly kubeConfig: KubeConfig
  readonly server: string
  readonly #agent: Agent
  readonly #defaultTimeoutMs: number

  constructor(kubeConfig: KubeConfig, options: { defaultTimeoutMs?: number } = {}) {
    const server = kubeConfig.getCurrentCluster()?.server
    if (!server) throw new Error('the kubeconfig has no current cluster')
    this.kubeConfig = kubeConfig
    this.server = server.replace(/\/$/, '')
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000
    // Keep-alive: a reconcile burst over thousands of objects would otherwise pay a TLS
    // handshake per request.
    this.#agent = new Agent({ keepAlive: true, maxSockets: 32 })
  }

  static fromFile(path: string): KubeClient {
    const kc = new KubeConfig()
    kc.loadFromFile(path)
    return new KubeClient(kc)
  }

  /** In a pod: the service account; elsewhere: $KUBECONFIG or ~/.kube/config. */
  static fromDefault(): KubeClient {
    const kc = new KubeConfig()
    kc.loadFromDefault()
    return new KubeClient(kc)
  }

  get<T>(path: string, options: RequestOptionsForKube = {}): Promise<T> {
    return this.request<T>('GET', path, options)
  }

  async request<T>(method: string, path: string, options: RequestOptionsForKube = {}): Promise<T> {
    const url = new URL(this.server + path)
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value))
    }
    // Asked per request so that rotated tokens (exec plugins, projected service account
    // tokens) are picked up.
    const tls: RequestOptions = { headers: {} }
    await this.kubeConfig.applyToHTTPSOptions(tls)
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    const connection = this.#tlsOptions(tls, this.#agent)
    const headers = { ...(connection.headers as Record<string, string>) }
    if (body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json'
      headers['content-length'] = String(Buffer.byteLength(body))
    }
    const signals = [AbortSignal.timeout(options.timeoutMs ?? this.#defaultTimeoutMs)]
    if (options.signal) signals.push(options.signal)
    const signal = AbortSignal.any(signals)
    const { status, text } = await new Promise<{ status: number; text: string }>(
      (resolve, reject) => {
        const req = httpsRequest(url, { ...connection, method, headers, signal }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          )
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end(body)
      },
    ).catch((error: unknown) => {
      // The caller gave up (leadership lost, shutdown): not the apiserver's fault.
      if (options.signal?.aborted) throw options.signal.reason
      throw new KubeError({
        code: 'unavailable',
        status: 0,
        message: `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      })
    })
    if (status < 200 || status > 299) throw kubeErrorFromResponse(method, path, status, text)
    return (text ? JSON.parse(text) : undefined) as T
  }

  /**
   * Opens a watch. The promise settles once the apiserver has answered (a non-2xx answer
   * rejects); afterwards `onDone` is called once when the stream ends for any reason other
   * than `stop()`. There is no inactivity timeout here: the informer runs a watchdog that
   * knows about bookmarks.
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    onDone: (error: KubeError | undefined) => void,
  ): Promise<WatchHandle> {
    const url = new URL(this.server + path)
    for (const [name, value] of Object.entries({ ...query, watch: true })) {
      if (value !== undefined) url.searchParams.set(name, String(value))
    }
    const tls: RequestOptions = { headers: {} }
    await this.kubeConfig.applyToHTTPSOptions(tls)
    const controller = new AbortController()
    let finished = false
    let responded = false
    const finish = (error: KubeError | undefined) => {
      if (finished) return
      finished = true
      controller.abort()
      onDone(error)
    }
    const connectTimer = setTimeout(() => controller.abort(), this.#defaultTimeoutMs)
    return new Promise<WatchHandle>((resolve, reject) => {
      const handle: WatchHandle = {
        stop() {
          finished = true
          controller.abort()
        },
      }
      const req = httpsRequest(
        url,
        // A watch holds its connection for minutes: it gets its own, outside the pool.
        { ...this.#tlsOptions(tls, false), method: 'GET', signal: controller.signal },
        (res) => {
          clearTimeout(connectTimer)
          responded = true
          const status = res.statusCode ?? 0
          if (status < 200 || status > 299) {
            let text = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => {
              text += chunk
            })
            res.on('end', () => {
              finished = true
              reject(kubeErrorFromResponse('WATCH', path, status, text))
            })
            return
          }
          resolve(handle)
          // One JSON event per line; a chunk may end mid-line.
          let buffered = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            buffered += chunk
            let newline = buffered.indexOf('\n')
            while (newline >= 0) {
              const line = buffered.slice(0, newline)
              buffered = buffered.slice(newline + 1)
              newline = buffered.indexOf('\n')
              if (!line.trim() || finished) continue
              let event: { type: WatchEventType; object: KubeObject }
              try {
                event = JSON.parse(line)
              } catch (error) {
                finish(unavailable('WATCH', path, error))
                return
              }
              onEvent(event.type, event.object)
            }
          })
          res.on('end', () => finish(undefined))
          res.on('error', (error) => finish(unavailable('WATCH', path, error)))
          res.on('close', () => finish(undefined))
        },
      )
      req.on('error', (error) => {
        clearTimeout(connectTimer)
        // Once streaming, a broken connection ends the watch like any other end.
        if (responded) return finish(unavailable('WATCH', path, error))
        if (finished) return
        finished = true
        reject(unavailable('WATCH', path, error))
      })
      req.end()
    })
  }

  /** The kubeconfig's TLS material and credentials as node:https options. */
  #tlsOptions(tls: RequestOptions, agent: Agent | false): RequestOptions {
    return {
      agent,
      headers: { accept: 'application/json', ...(tls.headers as Record<string, string>) },
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      ...(tls.rejectUnauthorized === undefined
        ? {}
        : { rejectUnauthorized: tls.rejectUnauthorized }),
      ...(tls.servername === undefined ? {} : { servername: tls.servername }),
      ...(tls.auth === undefined ? {} : { auth: tls.auth }),
    }
  }

  /** Frees the keep-alive sockets so a stopped operator (or a test) can exit. */
  close(): void {
    this.#agent.destroy()
  }
}

function unavailable(method: string, path: string, error: unknown): KubeError {
  return new KubeError({
    code: 'unavailable',
    status: 0,
    message: `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  })
}

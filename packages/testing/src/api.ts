import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createApp } from '@fjord/api/app'
import { type Config, testConfig } from '@fjord/api/config'
import { type Database, openDatabase } from '@fjord/api/db/client'
import { outbox } from '@fjord/api/db/schema'
import { createFjordClient, type FjordClient } from '@fjord/client'
import type { KubeClient } from '@fjord/kube/client'
import { isNull } from 'drizzle-orm'

/** How a request authenticates: nobody, a console session, or an API key. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'session'; cookie: string; csrfToken: string }
  | { kind: 'api_key'; token: string }

export const anonymous: Caller = { kind: 'anonymous' }

/** A client of the REST API at `baseUrl`, over HTTP, calling as `caller`. */
export function clientAt(baseUrl: string, caller: Caller): FjordClient {
  if (caller.kind === 'api_key') return createFjordClient({ baseUrl, token: caller.token })
  if (caller.kind === 'anonymous') return createFjordClient({ baseUrl })
  return createFjordClient({
    baseUrl,
    headers: { cookie: caller.cookie, 'x-csrf-token': caller.csrfToken },
  })
}

export interface RequestOptions {
  as?: Caller
  body?: unknown
  rawBody?: string
  headers?: Record<string, string>
}

export interface TestApi {
  database: Database
  request(method: string, path: string, options?: RequestOptions): Promise<Response>
  /** The app's fetch handler, to serve it on a port. */
  fetch(request: Request): Response | Promise<Response>
  close(): Promise<void>
}

/**
 * A fresh api on PGlite in memory, or on the PostgreSQL of DATABASE_URL when it is set
 * (tests create their own tenants, so they share that database safely).
 */
export async function startTestApi(
  overrides: Partial<Config> = {},
  deps: { kube?: KubeClient } = {},
): Promise<TestApi> {
  const config = testConfig({ databaseUrl: process.env.DATABASE_URL || undefined, ...overrides })
  const database = openDatabase(config)
  await database.migrate()
  const { app, close } = createApp({ config, database, kube: deps.kube })
  return {
    database,
    fetch: (request) => app.fetch(request),
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers }
      const caller = options.as ?? anonymous
      if (caller.kind === 'session') {
        headers.cookie = caller.cookie
        headers['x-csrf-token'] ??= caller.csrfToken
      }
      if (caller.kind === 'api_key') headers.authorization = `Bearer ${caller.token}`
      let body: string | undefined = options.rawBody
      if (options.body !== undefined) {
        body = JSON.stringify(options.body)
        headers['content-type'] ??= 'application/json'
      }
      return app.request(path, { method, headers, body })
    },
    async close() {
      await close()
      await database.close()
    },
  }
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  const text = await response.text()
  try {
    return JSON.parse(text) as T
  } catch {
    throw new Error(`expected JSON, got ${response.status}: ${text.slice(0, 200)}`)
  }
}

/** Fails with the status and body the API actually answered; an NDJSON body as its `lines`. */
export async function expectStatus(
  response: Response,
  status: number,
): Promise<Record<string, unknown>> {
  const text = await response.clone().text()
  if (response.status !== status) {
    throw new Error(`expected ${status}, got ${response.status}: ${text.slice(0, 500)}`)
  }
  if (response.headers.get('content-type')?.startsWith('application/x-ndjson')) {
    return {
      lines: text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    }
  }
  return text ? (JSON.parse(text) as Record<string, unknown>) : {}
}

/**
 * A database of a test file's own on the stack's PostgreSQL (made by the stack's command
 * unless it exists), for tests that need to know everything in a table.
 */
export async function stackDatabase(name: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    'stack/src/cli.ts',
    'database',
    name,
  ])
  return stdout.trim()
}

/**
 * A test api whose outbox is the test file's alone: on a database of its own on the stack's
 * PostgreSQL when DATABASE_URL is set (with what earlier runs left pending marked done), else
 * on PGlite in memory.
 */
export async function startTestApiWithOwnOutbox(
  database: string,
  overrides: Partial<Config>,
  deps: { kube?: KubeClient },
): Promise<TestApi> {
  const databaseUrl = process.env.DATABASE_URL ? await stackDatabase(database) : undefined
  const api = await startTestApi({ ...overrides, databaseUrl }, deps)
  await api.database.db
    .update(outbox)
    .set({ processedAt: new Date() })
    .where(isNull(outbox.processedAt))
  return api
}

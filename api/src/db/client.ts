import { mkdirSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import pg from 'pg'
import type { Config } from '../config.ts'
import * as schema from './schema/index.ts'

export type Schema = typeof schema
export type Db = PgDatabase<PgQueryResultHKT, Schema>
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
/** Anything that runs queries: the database itself or an open transaction. */
export type Executor = Db | Tx

/** What a subscriber to a NOTIFY channel is told. */
export interface NotificationHandlers {
  /** A notification arrived. */
  notified(): void
  /** Listening (again): whatever was sent before this may have been missed. */
  listening(): void
  /** No longer listening: notifications are missed until `listening` comes again. */
  lost(error: unknown): void
}

export interface Database {
  db: Db
  driver: 'pglite' | 'postgres'
  migrate(): Promise<void>
  /** Listens on a channel, reconnecting after a lost connection; stop with the returned call. */
  subscribe(channel: string, handlers: NotificationHandlers): () => Promise<void>
  close(): Promise<void>
}

const migrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url))
// Any fixed number works; it only has to be the same for every replica running migrations.
const migrationLockId = 0x666a6f7264

/** Opens PostgreSQL when DATABASE_URL is set, else the embedded PGlite (data dir or memory). */
export function openDatabase(config: Config): Database {
  if (config.databaseUrl) return openPostgres(config.databaseUrl)
  return openPglite(config.inMemory ? undefined : config.dataDir)
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  const db = drizzleNodePg({ client: pool, schema, casing: 'snake_case' })
  return {
    db: db as unknown as Db,
    driver: 'postgres',
    async migrate() {
      // Several api replicas (or test files) may start at once; only one applies migrations.
      const client = await pool.connect()
      try {
        await client.query('SELECT pg_advisory_lock($1)', [migrationLockId])
        await migrateNodePg(db, { migrationsFolder })
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [migrationLockId])
        client.release()
      }
    },
    subscribe: (channel, handlers) => subscribePostgres(url, channel, handlers),
    close: () => pool.end(),
  }
}

const resubscribeDelayMs = 1000

/** A connection of its own that LISTENs, and is opened again whenever it is lost. */
function subscribePostgres(
  url: string,
  channel: string,
  handlers: NotificationHandlers,
): () => Promise<void> {
  const stop = new AbortController()
  const listen = async () => {
    while (!stop.signal.aborted) {
      const client = new pg.Client({
        connectionString: url,
        application_name: 'fjord-listener',
        connectionTimeoutMillis: 5000,
      })
      const ended = new Promise<unknown>((resolve) => {
        client.on('error', resolve)
        client.on('end', () => resolve(new Error('the listening connection ended')))
        stop.signal.addEventListener('abort', () => resolve(undefined), { once: true })
      })
      client.on('notification', () => handlers.notified())
      try {
        await client.connect()
        await client.query(`LISTEN ${client.escapeIdentifier(channel)}`)
        handlers.listening()
        const reason = await ended
        if (!stop.signal.aborted) handlers.lost(reason)
      } catch (error) {
        if (!stop.signal.aborted) handlers.lost(error)
      }
      await client.end().catch(() => {})
      await sleep(resubscribeDelayMs, undefined, { signal: stop.signal }).catch(() => {})
    }
  }
  const running = listen()
  return async () => {
    stop.abort()
    await running
  }
}

function openPglite(dataDir: string | undefined): Database {
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const client = new PGlite(dataDir)
  const db = drizzlePglite({ client, schema, casing: 'snake_case' })
  return {
    db: db as unknown as Db,
    driver: 'pglite',
    migrate: () => migratePglite(db, { migrationsFolder }),
    subscribe(channel, handlers) {
      // In-process: the listener cannot be lost, only closed with the database.
      const unlisten = client.listen(channel, () => handlers.notified())
      unlisten.then(
        () => handlers.listening(),
        (error: unknown) => handlers.lost(error),
      )
      return async () => {
        if (!client.closed) await (await unlisten)()
      }
    },
    close: () => client.close(),
  }
}

/**
 * A hot query, built by drizzle once per database (or transaction) and sent as a named
 * statement, so neither drizzle nor PostgreSQL builds or plans it again on each request. Values
 * go in through `sql.placeholder`.
 */
export function preparedQuery<Query>(build: (db: Executor) => Query): (db: Executor) => Query {
  const built = new WeakMap<Executor, Query>()
  return (db) => {
    let query = built.get(db)
    if (!query) {
      query = build(db)
      built.set(db, query)
    }
    return query
  }
}

const camelCase = (key: string) =>
  key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())

/**
 * A statement drizzle's builder cannot express (data-modifying CTEs), as SQL text with `$n`
 * parameters. On PostgreSQL it is a named statement, planned once per connection. Rows come back
 * with the schema's camelCase keys.
 */
export async function runStatement<Row>(
  db: Db,
  name: string,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  const client = (db as unknown as { $client: pg.Pool | PGlite }).$client
  const { rows } =
    client instanceof pg.Pool
      ? await client.query({ name, text, values })
      : await client.query<Record<string, unknown>>(text, values)
  return rows.map(
    (row) =>
      Object.fromEntries(
        Object.entries(row as Record<string, unknown>).map(([key, value]) => [
          camelCase(key),
          value,
        ]),
      ) as Row,
  )
}

export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`)
}

import { mkdirSync } from 'node:fs'
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

export interface Database {
  db: Db
  driver: 'pglite' | 'postgres'
  migrate(): Promise<void>
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
    close: () => pool.end(),
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
    close: () => client.close(),
  }
}

export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`)
}

import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readStackEnv } from '../src/env.ts'

const env = readStackEnv()

describe('the stack PostgreSQL', () => {
  const client = new pg.Client({ connectionString: env.postgres.url })
  beforeAll(() => client.connect())
  afterAll(() => client.end())

  test('creates a table in a fresh schema, uses it and drops it', async () => {
    const schema = `probe_${randomBytes(4).toString('hex')}`
    await client.query(`create schema ${schema}`)
    await client.query(`create table ${schema}.notes (id int primary key, body text not null)`)
    await client.query(`insert into ${schema}.notes values (1, 'hello')`)
    const { rows } = await client.query(`select body from ${schema}.notes where id = 1`)
    expect(rows).toEqual([{ body: 'hello' }])

    await client.query(`drop schema ${schema} cascade`)
    const left = await client.query(
      'select 1 from information_schema.schemata where schema_name = $1',
      [schema],
    )
    expect(left.rowCount).toBe(0)
  })

  test('is a dedicated server, not the machine default, and refuses a wrong password', async () => {
    const url = new URL(env.postgres.url)
    expect(url.port).not.toBe('5432')
    const { rows } = await client.query('show port')
    expect(rows[0].port).toBe(url.port)

    url.password = 'wrong'
    const intruder = new pg.Client({ connectionString: url.toString() })
    await expect(intruder.connect()).rejects.toThrow(/password authentication failed/)
  })
})

// Benchmarks the api against the real PostgreSQL of DATABASE_URL (not a test: it prints).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import pg from 'pg'

const databaseUrl = process.env.DATABASE_URL
if (!databaseUrl) throw new Error('DATABASE_URL must point at a PostgreSQL to benchmark against')
const port = Number(process.env.BENCH_PORT ?? 18_555)
const base = `http://127.0.0.1:${port}`
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const connections = 10
const apiDir = new URL('..', import.meta.url).pathname

interface Figures {
  name: string
  requestsPerSecond: number
  p50: number
  p99: number
  errors: number
}

function startApi(): ChildProcess {
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  const migrated = spawnSync(process.execPath, ['src/main.ts', 'migrate'], {
    cwd: apiDir,
    env,
    stdio: 'inherit',
  })
  if (migrated.status !== 0) throw new Error('migrate failed')
  return spawn(process.execPath, ['src/main.ts', 'serve'], { cwd: apiDir, env, stdio: 'inherit' })
}

async function waitUntilReady(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return
    } catch {}
    await sleep(100)
  }
  throw new Error('api did not become ready')
}

async function call(
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response
}

/** A fresh org with a roomy quota, an owner API key, a session and one cluster. */
async function aTenant(pool: pg.Pool) {
  const org = `bench-${randomUUID().slice(0, 8)}`
  const signup = await call('POST', '/v1/auth/signup', {
    body: {
      email: `${org}@example.com`,
      password: 'benchmark-password',
      organization: { name: org },
    },
  })
  const { csrfToken } = (await signup.json()) as { csrfToken: string }
  const cookie = signup.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ')
  const session = { cookie, 'x-csrf-token': csrfToken }
  const key = (await (
    await call('POST', `/v1/orgs/${org}/api-keys`, {
      headers: session,
      body: { name: 'bench', role: 'owner' },
    })
  ).json()) as {
    token: string
  }
  await pool.query(
    `insert into quota_overrides (org_id, clusters, topics, partitions)
     select id, 10, 1000000, 10000000 from organizations where name = $1`,
    [org],
  )
  const auth = { authorization: `Bearer ${key.token}` }
  await call('PUT', `/v1/orgs/${org}/clusters/main`, { headers: auth, body: { type: 'shared' } })
  return { org, auth, cookie }
}

async function run(name: string, options: autocannon.Options): Promise<Figures> {
  // A warm-up first, as a server runs most of its life: JIT-compiled, statements prepared.
  const warmup = { warmup: { connections, duration: 3 } }
  const result = await autocannon({ connections, duration: seconds, ...warmup, ...options })
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  }
}

/** The same rows as the topic-create benchmark, inserted with nothing else around them. */
async function plainInserts(pool: pg.Pool, org: string): Promise<number> {
  const { rows } = await pool.query(
    `select c.id as cluster_id, o.id as org_id from clusters c join organizations o on o.id = c.org_id where o.name = $1`,
    [org],
  )
  const { cluster_id: clusterId, org_id: orgId } = rows[0] as { cluster_id: string; org_id: string }
  let inserted = 0
  const until = Date.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        const name = `plain-${randomUUID()}`
        await pool.query(
          `insert into topics (org_id, cluster_id, name, collision_key, kafka_name, partitions, replication_factor, config)
           values ($1, $2, $3, $3, $4, 1, 1, '{}')`,
          [orgId, clusterId, name, `${org}-main.${name}`],
        )
        inserted++
      }
    }),
  )
  return Math.round(inserted / seconds)
}

async function main() {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: connections })
  // Every run starts from an empty database of its own, so runs compare with one another.
  await pool.query(
    'DROP SCHEMA IF EXISTS drizzle CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public',
  )
  const api = startApi()
  try {
    await waitUntilReady()
    const writer = await aTenant(pool)
    const createIn = (orgs: string[], auth: Record<string, string>[]) =>
      ({
        url: `${base}/v1/orgs/${orgs[0]}/clusters/main/topics`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            // Each connection keeps to one org, so the orgs' quota locks do not meet.
            setupRequest: (request: autocannon.Request, context: Record<string, number>) => {
              context.slot ??= nextSlot++ % orgs.length
              const slot = context.slot
              return {
                ...request,
                path: `/v1/orgs/${orgs[slot]}/clusters/main/topics`,
                headers: { ...request.headers, ...auth[slot] },
                body: JSON.stringify({
                  name: `t-${randomUUID()}`,
                  partitions: 1,
                  replicationFactor: 1,
                }),
              }
            },
          },
        ],
      }) as autocannon.Options
    let nextSlot = 0
    const oneOrg = await run(
      '(a) POST topic, one org (quota check, audit, outbox)',
      createIn([writer.org], [writer.auth]),
    )
    const tenants = await Promise.all(Array.from({ length: connections }, () => aTenant(pool)))
    const manyOrgs = await run(
      `(a) POST topic, ${connections} orgs in parallel`,
      createIn(
        tenants.map((tenant) => tenant.org),
        tenants.map((tenant) => tenant.auth),
      ),
    )
    const plainPerSecond = await plainInserts(pool, writer.org)

    const reader = await aTenant(pool)
    await pool.query(
      `insert into topics (org_id, cluster_id, name, collision_key, kafka_name, partitions, replication_factor, config)
       select c.org_id, c.id, 'topic-' || lpad(n::text, 5, '0'), 'topic-' || lpad(n::text, 5, '0'),
              $1 || lpad(n::text, 5, '0'), 1, 1, '{}'
       from clusters c join organizations o on o.id = c.org_id, generate_series(1, 10000) n
       where o.name = $2`,
      [`${reader.org}-main.topic-`, reader.org],
    )
    // As autovacuum would soon after a bulk load in production.
    await pool.query('analyze topics')
    const page = await run('(b) GET a page of 100 of 10,000 topics', {
      url: `${base}/v1/orgs/${reader.org}/clusters/main/topics?limit=100&cursor=${Buffer.from(JSON.stringify(['topic-05000'])).toString('base64url')}`,
      headers: reader.auth,
    })
    const me = await run('(c) GET /v1/me with a session', {
      url: `${base}/v1/me`,
      headers: { cookie: reader.cookie },
    })

    for (const figures of [oneOrg, manyOrgs, page, me]) {
      console.log(
        `${figures.name.padEnd(52)} ${String(figures.requestsPerSecond).padStart(6)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms  errors ${figures.errors}`,
      )
    }
    console.log(
      `${'plain parameterised INSERT of the same rows'.padEnd(52)} ${String(plainPerSecond).padStart(6)} rows/s`,
    )
    for (const figures of [oneOrg, manyOrgs]) {
      const ratio = (figures.requestsPerSecond / plainPerSecond).toFixed(2)
      console.log(`ratio of ${figures.name} to plain INSERT: ${ratio}`)
    }
  } finally {
    api.kill('SIGTERM')
    await pool.end()
  }
}

await main()

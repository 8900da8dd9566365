/**
 * bench:cli — how fast fjord answers, each case run many times by hyperfine (a process each
 * time, after a few warm-up runs): its median and spread, and PASS or MISS against its limit.
 * Exits 1 when a case misses. hyperfine is Debian's package: installed when run as root, as the
 * stack installs its packages, else the bench says how.
 *
 * A case is fjord's arguments and, when it needs one, a `prepare` that sets up what it runs
 * against (an api of the bench's own on the stack's PostgreSQL, a cluster, a file) and answers
 * the environment fjord runs with. `npm run stack up` first, and stop `npm start`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { run, StackError } from '@fjord/stack/proc'
import { ensureDebianPackages } from '@fjord/stack/services/debian'
import { expectStatus, stackDatabase, startTestApi } from '@fjord/testing/api'
import { serveOnPort } from '@fjord/testing/http'
import { uniqueName } from '@fjord/testing/names'
import { anApiKey, aTenant, withRoomyQuota } from '@fjord/testing/tenants'
import { stringify } from 'yaml'
import { buildCli } from '../scripts/build.ts'

interface Case {
  name: string
  args: string[]
  /** The median that passes; a case without one is a figure to compare with. */
  limitMs?: number
  /** The build (the default: what the installed package runs) or the source (`npx fjord` in the clone). */
  entry?: 'build' | 'source'
  /** Sets up what the case runs against; answers fjord's environment, and arguments to add. */
  prepare?: () => Promise<{ env: Record<string, string>; args?: string[] }>
}

/**
 * An api of the bench's own on the stack's PostgreSQL, served over HTTP, and an org with room
 * for thousands of topics; fjord runs against it with an API key in its environment.
 */
async function aBenchApi() {
  const api = await startTestApi({ databaseUrl: await stackDatabase('fjord_bench_cli') })
  const served = await serveOnPort(api.fetch)
  const tenant = await aTenant(api)
  await withRoomyQuota(api, tenant)
  const key = await anApiKey(api, tenant, 'admin')
  const org = `/v1/orgs/${tenant.org}`
  const as = tenant.owner
  return {
    env: {
      FJORD_API_URL: served.url,
      FJORD_API_KEY: key.token,
      FJORD_ORG: tenant.org,
      XDG_CONFIG_HOME: await mkdtemp(join(tmpdir(), 'bench-cli-config-')),
    },
    /** A new cluster with `count` topics, made with one bulk request. */
    async clusterWithTopics(count: number): Promise<string> {
      const cluster = uniqueName('bench')
      const body = { name: cluster, type: 'shared', region: 'local' }
      await expectStatus(await api.request('POST', `${org}/clusters`, { as, body }), 201)
      if (count > 0) {
        const topics = Array.from({ length: count }, (_, i) => benchTopic(i))
        const path = `${org}/clusters/${cluster}/topics`
        await expectStatus(await api.request('PUT', path, { as, body: { topics } }), 200)
      }
      return cluster
    },
    async close() {
      await served.close()
      await api.close()
    },
  }
}

const benchTopic = (i: number) => ({
  name: `topic-${String(i).padStart(4, '0')}`,
  partitions: 3,
  replicationFactor: 1,
  config: i % 2 === 0 ? { 'retention.ms': 604_800_000 } : {},
})

/** A declarative file with one cluster of `count` topics. */
async function aFile(cluster: string, count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-cli-file-'))
  const path = join(dir, 'fjord.yaml')
  const topics = Array.from({ length: count }, (_, i) => benchTopic(i))
  await writeFile(path, stringify({ clusters: [{ name: cluster, topics }] }))
  return path
}

let benchApi: ReturnType<typeof aBenchApi> | undefined
const theApi = () => {
  benchApi ??= aBenchApi()
  return benchApi
}

const cases: Case[] = [
  { name: 'cold start: fjord --version', args: ['--version'], limitMs: 100 },
  { name: 'cold start from the source', args: ['--version'], entry: 'source' },
  {
    name: 'fjord topics list (100 topics)',
    args: ['topics', 'list', '-o', 'json'],
    limitMs: 250,
    async prepare() {
      const api = await theApi()
      return { env: { ...api.env, FJORD_CLUSTER: await api.clusterWithTopics(100) } }
    },
  },
  {
    name: 'fjord plan (500-topic file)',
    args: ['plan', '-f'],
    limitMs: 1000,
    async prepare() {
      const api = await theApi()
      const cluster = await api.clusterWithTopics(0)
      return { env: api.env, args: [await aFile(cluster, 500)] }
    },
  },
]

/**
 * `fjord apply` of a 500-topic file, once per run into a cluster of its own (a second apply of
 * the same file has nothing to do): timed here rather than by hyperfine, command and API alike.
 */
async function measureApply(entry: string, count: number, times: number) {
  const api = await theApi()
  const taken: number[] = []
  for (let i = 0; i < times; i++) {
    const file = await aFile(uniqueName('apply'), count)
    const started = performance.now()
    await run(process.execPath, [entry, 'apply', '-f', file, '--auto-approve', '--quiet'], {
      env: { ...process.env, ...api.env },
    })
    taken.push(performance.now() - started)
  }
  const sorted = taken.sort(byValue)
  return { median: at(sorted, 0.5), times: sorted }
}

const applyCase: Case = { name: 'fjord apply (500-topic file)', args: [], limitMs: 10_000 }

const entries = {
  build: join(import.meta.dirname, '..', 'dist', 'fjord.mjs'),
  source: join(import.meta.dirname, '..', 'src', 'main.ts'),
}
const runs = 30

interface Measured {
  median: number
  times: number[]
}

/** `fjord <args>` run by hyperfine with no shell in between; times in milliseconds. */
async function measure(entry: string, args: string[], env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-cli-'))
  const json = join(dir, 'hyperfine.json')
  try {
    const command = [process.execPath, entry, ...args].map(quoted).join(' ')
    await run(
      'hyperfine',
      ['--shell=none', '--warmup', '3', '--runs', String(runs), '--export-json', json, command],
      { env: { ...process.env, ...env } },
    )
    const [result] = JSON.parse(await readFile(json, 'utf8')).results as Measured[]
    if (!result) throw new StackError('hyperfine measured nothing')
    return { median: result.median * 1000, times: result.times.map((t) => t * 1000).sort(byValue) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const byValue = (a: number, b: number) => a - b
const quoted = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`
const ms = (value: number) => `${value.toFixed(0)} ms`
const at = (sorted: number[], share: number) => sorted[Math.floor(share * (sorted.length - 1))] ?? 0

function line(test: Case, { median, times }: { median: number; times: number[] }): string {
  const spread = `p25–p75 ${ms(at(times, 0.25))}–${ms(at(times, 0.75))}, min–max ${ms(times[0] ?? 0)}–${ms(times.at(-1) ?? 0)}`
  const verdict =
    test.limitMs === undefined
      ? ''
      : `  ${median <= test.limitMs ? 'PASS' : 'MISS'} (limit ${ms(test.limitMs)})`
  return `${test.name.padEnd(36)} median ${ms(median).padStart(7)}  (${spread}, ${times.length} runs)${verdict}`
}

try {
  await ensureDebianPackages(['hyperfine'])
  await buildCli()
  const [load] = loadavg()
  process.stdout.write(
    `fjord with Node ${process.versions.node}; load ${load?.toFixed(1)} on ${availableParallelism()} CPUs\n`,
  )
  let missed = false
  for (const test of cases) {
    const { env, args = [] } = (await test.prepare?.()) ?? { env: {} }
    const measured = await measure(entries[test.entry ?? 'build'], [...test.args, ...args], env)
    process.stdout.write(`${line(test, measured)}\n`)
    if (test.limitMs !== undefined && measured.median > test.limitMs) missed = true
  }
  const applied = await measureApply(entries.build, 500, 5)
  process.stdout.write(`${line(applyCase, applied)}\n`)
  if (applied.median > (applyCase.limitMs ?? Infinity)) missed = true
  if (missed) process.exitCode = 1
} catch (error) {
  if (!(error instanceof StackError)) throw error
  process.stderr.write(`bench:cli: ${error.message}\n`)
  process.exitCode = 1
} finally {
  await (await benchApi)?.close()
}

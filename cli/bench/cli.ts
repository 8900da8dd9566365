/**
 * bench:cli — how fast fjord answers, each case run many times by hyperfine (a process each
 * time, after a few warm-up runs): its median and spread, and PASS or MISS against its limit.
 * Exits 1 when a case misses. hyperfine is Debian's package: installed when run as root, as the
 * stack installs its packages, else the bench says how.
 *
 * A case is fjord's arguments and, when it needs one, a `prepare` that sets up what it runs
 * against (an api, a logged-in profile) and answers the environment fjord runs with.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { run, StackError } from '@fjord/stack/proc'
import { ensureDebianPackages } from '@fjord/stack/services/debian'
import { buildCli } from '../scripts/build.ts'

interface Case {
  name: string
  args: string[]
  /** The median that passes; a case without one is a figure to compare with. */
  limitMs?: number
  /** The build (the default: what the installed package runs) or the source (`npx fjord` in the clone). */
  entry?: 'build' | 'source'
  prepare?: () => Promise<Record<string, string>>
}

const cases: Case[] = [
  { name: 'cold start: fjord --version', args: ['--version'], limitMs: 100 },
  { name: 'cold start from the source', args: ['--version'], entry: 'source' },
]

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
    const env = (await test.prepare?.()) ?? {}
    const measured = await measure(entries[test.entry ?? 'build'], test.args, env)
    process.stdout.write(`${line(test, measured)}\n`)
    if (test.limitMs !== undefined && measured.median > test.limitMs) missed = true
  }
  if (missed) process.exitCode = 1
} catch (error) {
  if (!(error instanceof StackError)) throw error
  process.stderr.write(`bench:cli: ${error.message}\n`)
  process.exitCode = 1
}

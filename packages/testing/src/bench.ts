/**
 * What the benchmarks share: the check that nothing else works on the stack while they run
 * (an operator beside the bench's own made the bulk case take 184 s instead of 23), the
 * stage-by-stage table bench:e2e prints, and the resident memory and open files of the
 * processes they measure.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeClient, KubeList } from '@fjord/kube/client'
import { collectionPath, Leases } from '@fjord/kube/resources'
import { loadConfig } from '@fjord/stack/config'
import { Daemon } from '@fjord/stack/proc'

/** The operators' leader-election Lease, in whatever namespace each one runs. */
const operatorLease = 'fjord-operator'
/** A leader renews every few seconds: a Lease renewed within this long has a live holder. */
export const leaseFreshMs = 20_000

export interface LeaseRecord {
  metadata: { namespace?: string }
  spec?: { holderIdentity?: string | null; renewTime?: string | null }
}

/** The Leases of operators other than `own` that were renewed within `freshMs` of `nowMs`. */
export function liveOperators(
  leases: LeaseRecord[],
  nowMs: number,
  own: readonly string[] = [],
  freshMs = leaseFreshMs,
): { namespace: string; holder: string; ageMs: number }[] {
  return leases.flatMap((lease) => {
    const holder = lease.spec?.holderIdentity ?? ''
    const renewed = Date.parse(lease.spec?.renewTime ?? '')
    const ageMs = nowMs - renewed
    if (!holder || own.includes(holder) || Number.isNaN(renewed) || ageMs > freshMs) return []
    return [{ namespace: lease.metadata.namespace ?? '', holder, ageMs }]
  })
}

/** Whether a process's arguments are the product's `npm start` (`stack/src/cli.ts start`). */
export function isProductStart(argv: readonly string[]): boolean {
  const cli = argv.findIndex((arg) => arg.endsWith('stack/src/cli.ts'))
  return cli >= 0 && argv[cli + 1] === 'start'
}

function productStarts(): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) return []
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      return isProductStart(argv) ? [pid] : []
    } catch {
      return [] // the process ended while we looked
    }
  })
}

/**
 * Ends the process with a message saying what to stop when another operator works on the
 * stack: a fresh `fjord-operator` Lease not held by one of `own`, or a running `npm start`.
 * Its reconciles would share the two cores and the apiserver, and the figures mean nothing.
 */
export async function refuseBesideAnotherOperator(
  client: KubeClient,
  own: readonly string[] = [],
): Promise<void> {
  const leases = await client.get<KubeList<LeaseRecord>>(collectionPath(Leases), {
    query: { fieldSelector: `metadata.name=${operatorLease}` },
  })
  const others = liveOperators(leases.items, Date.now(), own)
  const starts = productStarts()
  if (others.length === 0 && starts.length === 0) return
  const lines = [
    ...others.map(
      (o) =>
        `  an operator (${o.holder}) holds the Lease ${operatorLease} in namespace ${o.namespace}, renewed ${(o.ageMs / 1000).toFixed(1)} s ago`,
    ),
    ...starts.map((pid) => `  \`npm start\` runs the product (pid ${pid})`),
  ]
  process.stderr.write(
    `Refusing to benchmark: another operator works on this stack, and its reconciles would be measured too.\n${lines.join('\n')}\nStop it (end \`npm start\`, or the test that runs it), wait ${leaseFreshMs / 1000} s for its Lease to age, and run the benchmark again.\n`,
  )
  process.exit(2)
}

/** The value at quantile `q` of ascending `sorted` (nearest rank, as the benches print it). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
}

export interface Stage {
  name: string
  /** Milliseconds from the start of the measured operation, one per item that reached it. */
  times: number[]
}

/**
 * A waterfall: for each stage, how many items reached it and the p50/p95/max of when, then
 * the gap from the stage before at p50 and p95, so the stage that costs most stands out.
 */
export function waterfall(stages: readonly Stage[]): string {
  const ms = (value: number) => `${value.toFixed(0)} ms`
  const rows = [['stage', 'n', 'p50', 'p95', 'max', '+p50', '+p95']]
  let before: [number, number] | undefined
  for (const stage of stages) {
    const sorted = stage.times.toSorted((a, b) => a - b)
    const [p50, p95] = [quantile(sorted, 0.5), quantile(sorted, 0.95)]
    const gaps = before ? [ms(p50 - before[0]), ms(p95 - before[1])] : []
    rows.push([
      stage.name,
      String(sorted.length),
      ms(p50),
      ms(p95),
      ms(sorted.at(-1) ?? 0),
      ...gaps,
    ])
    before = [p50, p95]
  }
  return table(rows)
}

/** Rows in columns: the first left-aligned, the others right-aligned, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const columns = Math.max(0, ...rows.map((row) => row.length))
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(...rows.map((row) => row[c]?.length ?? 0)),
  )
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** The pid of a service of the running stack (`kube-apiserver`, `etcd`, `kafka`…), if it runs. */
export function stackPid(service: string): number | undefined {
  return new Daemon(loadConfig().stackDir, service).pid()
}

/** VmRSS of a /proc/<pid>/status text, in MiB. */
export function residentMiB(status: string): number | undefined {
  const kB = status.match(/^VmRSS:\s+(\d+) kB$/m)?.[1]
  return kB === undefined ? undefined : Number(kB) / 1024
}

/** A process's resident memory in MiB; undefined for no pid or a process that has ended. */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    return residentMiB(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * The resident memory of named processes, sampled every `everyMs` in the background, so a
 * benchmark can print the peak of each while a case ran as well as the memory at a moment.
 */
export class RssSampler {
  readonly #pids: Readonly<Record<string, number | undefined>>
  readonly #read: (pid: number | undefined) => number | undefined
  readonly #timer: NodeJS.Timeout
  #peaks: Record<string, number> = {}

  constructor(
    pids: Readonly<Record<string, number | undefined>>,
    { everyMs = 250, read = rssMiB }: { everyMs?: number; read?: typeof rssMiB } = {},
  ) {
    this.#pids = pids
    this.#read = read
    this.#timer = setInterval(() => this.sample(), everyMs).unref()
  }

  /** Reads each process now, keeping the highest figure of the period. */
  sample(): Record<string, number | undefined> {
    const now = Object.fromEntries(
      Object.entries(this.#pids).map(([name, pid]) => [name, this.#read(pid)]),
    )
    for (const [name, mib] of Object.entries(now)) {
      if (mib !== undefined && mib > (this.#peaks[name] ?? 0)) this.#peaks[name] = mib
    }
    return now
  }

  /** The highest figure of each process since the last call (a sample now included). */
  takePeaks(): Record<string, number | undefined> {
    this.sample()
    const peaks = this.#peaks
    this.#peaks = {}
    return peaks
  }

  stop(): void {
    clearInterval(this.#timer)
  }
}

/** The soft "Max open files" of a /proc/<pid>/limits text. */
export function openFilesLimit(limits: string): number | undefined {
  const soft = limits.match(/^Max open files\s+(\d+|unlimited)\s/m)?.[1]
  if (soft === undefined) return undefined
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft)
}

/** How many files a process holds open, and its limit; undefined once it has ended. */
export function openFiles(pid: number): { open: number; limit: number } | undefined {
  try {
    const limit = openFilesLimit(readFileSync(`/proc/${pid}/limits`, 'utf8'))
    const open = readdirSync(`/proc/${pid}/fd`).length
    return limit === undefined ? undefined : { open, limit }
  } catch {
    return undefined
  }
}

/**
 * Waits until process `pid` can open `more` files, and `margin` besides, under its limit:
 * Kafka holds a file open for each partition, and for a deleted topic's a minute longer
 * (file.delete.delay.ms), so a benchmark that makes thousands of topics after deleting as
 * many could take the broker down with "Too many open files". Answers how long it waited;
 * an unknown or ended process has room.
 */
export async function roomForOpenFiles(
  pid: number | undefined,
  more: number,
  { margin = 1_000, timeoutMs = 180_000 } = {},
): Promise<number> {
  const started = Date.now()
  for (;;) {
    const files = pid === undefined ? undefined : openFiles(pid)
    if (!files || files.open + more + margin <= files.limit) return Date.now() - started
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `process ${pid} holds ${files.open} files open of its limit ${files.limit}, too many to open ${more} more within ${timeoutMs / 1000} s`,
      )
    }
    await sleep(1_000)
  }
}

/**
 * A benchmark's count flag as a whole number from 1 (to `max`, when given); anything else
 * ends the benchmark with exit code 2 and a message naming the flag.
 */
export function countFlag(flag: string, raw: string, max?: number): number {
  const value = Number(raw)
  if (Number.isInteger(value) && value >= 1 && (max === undefined || value <= max)) return value
  const range = max === undefined ? 'from 1' : `from 1 to ${max}`
  process.stderr.write(`--${flag}: ${raw} is no whole number ${range}\n`)
  process.exit(2)
}

/**
 * What the benchmarks share: the check that nothing else works on the stack while they run
 * (an operator beside the bench's own made the bulk case take 184 s instead of 23), and the
 * stage-by-stage table bench:e2e prints.
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { KubeClient, KubeList } from '@fjord/kube/client'
import { collectionPath, Leases } from '@fjord/kube/resources'

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
  const header = ['stage', 'n', 'p50', 'p95', 'max', '+p50', '+p95']
  const rows = [header]
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
  const widths = header.map((_, c) => Math.max(...rows.map((row) => row[c]?.length ?? 0)))
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

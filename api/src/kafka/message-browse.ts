import type { Verdict } from './filter-sandbox.ts'
import type { FilterRecord } from './message-filter.ts'
import {
  earlier,
  filterRecordOf,
  type KafkaRecord,
  type MessageLine,
  messageLine,
  sizeOf,
} from './message-lines.ts'

// A browse of a topic's messages as a stream of lines (see routes/messages.ts for the wire
// format): the newest N read back from the end (or from `before` offsets, for a previous
// page), or N read forward from offsets; then, to follow, whatever is appended. Partitions are
// merged by timestamp, so the lines of a page come in time order. Every loop is bounded in
// records, time and filter work, and stops when the client goes.

/** One partition's records from a fetch position, and where the next fetch starts. */
export interface Fetched {
  records: KafkaRecord[]
  /** Past the last batch returned (transaction markers and compaction gaps included). */
  next: bigint
  highWatermark: bigint
}

/** What a browse asks of Kafka: one fetch round over partitions from their positions. */
export interface PartitionReader {
  fetch(from: Map<number, bigint>, waitMs: number): Promise<Map<number, Fetched>>
}

/** A partition's offsets when the browse began: the first there is, and the next to come. */
export interface Span {
  partition: number
  logStart: bigint
  end: bigint
}

/** Where a browse starts: back from `before` (exclusive), or forward from `from` (inclusive). */
export type Start =
  | { direction: 'backward'; before: Map<number, bigint> }
  | { direction: 'forward'; from: Map<number, bigint> }

export interface Counts {
  scanned: number
  matched: number
  bytes: number
  elapsedMs: number
}

export type StopReason = 'limit' | 'end' | 'scanLimit' | 'timeLimit' | 'filterLimit'

export type BrowseLine =
  | { type: 'start'; partitions: { partition: number; logStart: string; end: string }[] }
  | MessageLine
  | ({ type: 'progress' } & Counts)
  | ({
      type: 'done'
      stoppedBy: StopReason
      /** Why it stopped, in words, when a bound stopped it. */
      detail?: string
      filterErrors: number
      filterError?: string
      /** Per partition, the offset a previous page reads back from (`before`). */
      previous: Record<string, string>
      /** Per partition, the offset a next page reads forward from (`offset`). */
      next: Record<string, string>
    } & Counts)

/** How much one browse may do; the route's defaults are `browseBounds`. */
export interface BrowseBounds {
  /** Records read from Kafka by the first page. */
  maxScanned: number
  /** Time the first page may take. */
  maxMs: number
  /** Time a follow may run, and records it may read, after the first page. */
  followMs: number
  followScanned: number
  progressMs: number
  /** How long one fetch waits for records: also how soon a browse notices its client left. */
  fetchWaitMs: number
  /** Records read back per partition at a time, at most. */
  maxChunk: number
}

export const browseBounds: BrowseBounds = {
  maxScanned: 100_000,
  maxMs: 30_000,
  followMs: 5 * 60_000,
  followScanned: 1_000_000,
  progressMs: 500,
  fetchWaitMs: 1_000,
  maxChunk: 2_000,
}

export interface BrowseOptions {
  spans: Span[]
  start: Start
  /** Messages (that the filter matches) to send before stopping; a follow goes on after. */
  limit: number
  follow: boolean
  /** Bytes shown of a key, value or header value; the rest is cut. */
  maxBytes: number
  filter?: (records: FilterRecord[]) => Promise<Verdict[]>
  bounds?: BrowseBounds
  /** The client left: the browse ends at once, with no `done` line. */
  signal: AbortSignal
  /** The api shuts down: the browse ends at its next bound check, with its `done` line. */
  stopping?: AbortSignal
  now?: () => number
}

interface Judged {
  record: KafkaRecord
  verdict: Verdict
}

/** A partition's records read but not yet merged, in the order the browse goes. */
class Buffered {
  reads: Judged[] = []
  at = 0

  get head(): Judged | undefined {
    return this.reads[this.at]
  }

  take(): Judged {
    const read = this.reads[this.at] as Judged
    this.at += 1
    return read
  }

  refill(reads: Judged[]): void {
    this.reads = reads
    this.at = 0
  }
}

/** A bound stopped the browse in the middle of a read. */
class Stopped extends Error {
  readonly reason: StopReason
  constructor(reason: StopReason, detail: string) {
    super(detail)
    this.reason = reason
  }
}

const maxOf = (a: bigint, b: bigint) => (a > b ? a : b)
const minOf = (a: bigint, b: bigint) => (a < b ? a : b)
const offsetsJson = (offsets: Map<number, bigint>) =>
  Object.fromEntries([...offsets].map(([partition, offset]) => [String(partition), String(offset)]))

/** Runs one browse: its lines, from `start` to `done` (none once the client is gone). */
export async function* browse(
  reader: PartitionReader,
  options: BrowseOptions,
): AsyncGenerator<BrowseLine> {
  yield* new Browse(reader, options).run()
}

class Browse {
  readonly #reader: PartitionReader
  readonly #options: BrowseOptions
  readonly #bounds: BrowseBounds
  readonly #now: () => number
  readonly #spans: Map<number, Span>
  readonly #began: number
  #scanned = 0
  #matched = 0
  #bytes = 0
  #filterErrors = 0
  #filterError: string | undefined
  #lastProgress: number
  #previous = new Map<number, bigint>()
  #next = new Map<number, bigint>()

  constructor(reader: PartitionReader, options: BrowseOptions) {
    this.#reader = reader
    this.#options = options
    this.#bounds = options.bounds ?? browseBounds
    this.#now = options.now ?? Date.now
    this.#spans = new Map(options.spans.map((span) => [span.partition, span]))
    this.#began = this.#now()
    this.#lastProgress = this.#began
  }

  async *run(): AsyncGenerator<BrowseLine> {
    yield {
      type: 'start',
      partitions: this.#options.spans.map((span) => ({
        partition: span.partition,
        logStart: String(span.logStart),
        end: String(span.end),
      })),
    }
    let stop: { reason: StopReason; detail?: string }
    try {
      const { start } = this.#options
      const reason =
        start.direction === 'backward'
          ? yield* this.#backward(start.before)
          : yield* this.#forward(start.from)
      stop = { reason }
      if (this.#options.follow && !this.#options.signal.aborted) {
        stop = { reason: yield* this.#follow() }
      }
    } catch (error) {
      if (!(error instanceof Stopped)) throw error
      stop = { reason: error.reason, detail: error.message }
    }
    if (this.#options.signal.aborted) return
    yield {
      type: 'done',
      stoppedBy: stop.reason,
      ...(stop.detail ? { detail: stop.detail } : {}),
      ...this.#counts(),
      filterErrors: this.#filterErrors,
      ...(this.#filterError ? { filterError: this.#filterError } : {}),
      previous: offsetsJson(this.#previous),
      next: offsetsJson(this.#next),
    }
  }

  #counts(): Counts {
    return {
      scanned: this.#scanned,
      matched: this.#matched,
      bytes: this.#bytes,
      elapsedMs: this.#now() - this.#began,
    }
  }

  *#progress(): Generator<BrowseLine> {
    const now = this.#now()
    if (now - this.#lastProgress < this.#bounds.progressMs) return
    this.#lastProgress = now
    yield { type: 'progress', ...this.#counts() }
  }

  /** Throws Stopped when the first page has read or taken all it may. */
  #checkBounds(): void {
    this.#checkStopping()
    const { maxScanned, maxMs } = this.#bounds
    if (this.#scanned >= maxScanned) {
      throw new Stopped('scanLimit', `read ${this.#scanned} messages, the most one page reads`)
    }
    if (this.#now() - this.#began >= maxMs) {
      throw new Stopped('timeLimit', `ran ${maxMs / 1000} s, the longest one page runs`)
    }
  }

  // A bound of the api's own life: the client reads on from `next` on another replica.
  #checkStopping(): void {
    if (this.#options.stopping?.aborted) {
      throw new Stopped('timeLimit', 'the api is shutting down; browse again from `next`')
    }
  }

  #span(partition: number): Span {
    const span = this.#spans.get(partition)
    if (!span) throw new Error(`partition ${partition} is not browsed`)
    return span
  }

  /** Counts what was read and asks the filter about it. */
  async #judge(records: KafkaRecord[]): Promise<Judged[]> {
    this.#scanned += records.length
    for (const record of records) this.#bytes += sizeOf(record)
    const { filter } = this.#options
    if (!filter || records.length === 0) return records.map((record) => ({ record, verdict: true }))
    let verdicts: Verdict[]
    try {
      verdicts = await filter(records.map(filterRecordOf))
    } catch (error) {
      throw new Stopped('filterLimit', error instanceof Error ? error.message : String(error))
    }
    return records.map((record, i) => {
      const verdict = verdicts[i] ?? false
      if (typeof verdict === 'string') {
        this.#filterErrors += 1
        this.#filterError ??= `offset ${record.offset} of partition ${record.partition}: ${verdict}`
      }
      return { record, verdict }
    })
  }

  /** Takes merged reads while every partition still to read has one; yields the matches. */
  *#merge(
    buffers: Map<number, Buffered>,
    more: (partition: number) => boolean,
    first: (a: KafkaRecord, b: KafkaRecord) => boolean,
  ): Generator<BrowseLine> {
    while (this.#matched < this.#options.limit) {
      let best: Buffered | undefined
      for (const [partition, buffer] of buffers) {
        const head = buffer.head
        if (!head) {
          if (more(partition)) return
          continue
        }
        if (!best?.head || first(head.record, best.head.record)) best = buffer
      }
      if (!best) return
      const read = best.take()
      if (read.verdict === true) {
        this.#matched += 1
        yield messageLine(read.record, this.#options.maxBytes)
      }
    }
  }

  /** The first page, forward from `from`: the oldest, from an offset, or from a time. */
  async *#forward(from: Map<number, bigint>): AsyncGenerator<BrowseLine, StopReason> {
    const position = new Map<number, bigint>()
    const stopAt = new Map<number, bigint>()
    const buffers = new Map<number, Buffered>()
    for (const span of this.#spans.values()) {
      const at = from.get(span.partition) ?? span.end
      const start = minOf(maxOf(at, span.logStart), span.end)
      position.set(span.partition, start)
      stopAt.set(span.partition, span.end)
      buffers.set(span.partition, new Buffered())
      this.#previous.set(span.partition, start)
    }
    const more = (partition: number) =>
      (position.get(partition) ?? 0n) < (stopAt.get(partition) ?? 0n)
    const nextOf = (partition: number) =>
      buffers.get(partition)?.head?.record.offset ?? position.get(partition) ?? 0n
    const remember = () => {
      for (const partition of this.#spans.keys()) this.#next.set(partition, nextOf(partition))
    }
    remember()
    while (this.#matched < this.#options.limit) {
      if (this.#options.signal.aborted) return 'end'
      this.#checkBounds()
      const empty = [...buffers]
        .filter(([partition, buffer]) => !buffer.head && more(partition))
        .map(([partition]) => partition)
      if (empty.length === 0 && [...buffers.values()].every((buffer) => !buffer.head)) {
        return 'end'
      }
      if (empty.length > 0) {
        const fetched = await this.#reader.fetch(
          new Map(empty.map((partition) => [partition, position.get(partition) ?? 0n])),
          this.#bounds.fetchWaitMs,
        )
        const read: KafkaRecord[] = []
        const byPartition = new Map<number, KafkaRecord[]>()
        for (const partition of empty) {
          const answer = fetched.get(partition)
          const at = position.get(partition) ?? 0n
          let stop = stopAt.get(partition) ?? 0n
          if (!answer) continue
          stop = minOf(stop, answer.highWatermark)
          stopAt.set(partition, stop)
          const records = answer.records.filter((r) => r.offset >= at && r.offset < stop)
          const last = records.at(-1)
          const after = maxOf(answer.next, last ? last.offset + 1n : at)
          // A fetch that brought nothing new gives up on the partition rather than spin.
          position.set(partition, records.length === 0 && after <= at ? stop : minOf(after, stop))
          byPartition.set(partition, records)
          read.push(...records)
        }
        const judged = await this.#judge(read)
        let i = 0
        for (const [partition, records] of byPartition) {
          buffers.get(partition)?.refill(judged.slice(i, i + records.length))
          i += records.length
        }
      }
      yield* this.#merge(buffers, more, earlier)
      remember()
      yield* this.#progress()
    }
    return 'limit'
  }

  /** The first page, back from `before`: the newest N, or the page before a page. */
  async *#backward(before: Map<number, bigint>): AsyncGenerator<BrowseLine, StopReason> {
    const { limit, filter } = this.#options
    // What a partition's next read back starts below, and how many it reads.
    const below = new Map<number, bigint>()
    const chunk = new Map<number, number>()
    const buffers = new Map<number, Buffered>()
    const perPartition = Math.ceil(limit / Math.max(1, this.#spans.size)) * (filter ? 4 : 1)
    for (const span of this.#spans.values()) {
      const at = before.get(span.partition) ?? span.end
      const start = minOf(maxOf(at, span.logStart), span.end)
      below.set(span.partition, start)
      chunk.set(span.partition, Math.min(perPartition, this.#bounds.maxChunk))
      buffers.set(span.partition, new Buffered())
      this.#next.set(span.partition, start)
    }
    const more = (partition: number) =>
      (below.get(partition) ?? 0n) > this.#span(partition).logStart
    const remember = () => {
      for (const [partition, buffer] of buffers) {
        const head = buffer.head
        this.#previous.set(partition, head ? head.record.offset + 1n : (below.get(partition) ?? 0n))
      }
    }
    remember()
    while (this.#matched < limit) {
      if (this.#options.signal.aborted) return 'end'
      this.#checkBounds()
      const empty = [...buffers]
        .filter(([partition, buffer]) => !buffer.head && more(partition))
        .map(([partition]) => partition)
      if (empty.length === 0 && [...buffers.values()].every((buffer) => !buffer.head)) {
        return 'end'
      }
      if (empty.length > 0) {
        const ranges = new Map<number, { from: bigint; to: bigint }>()
        for (const partition of empty) {
          const to = below.get(partition) ?? 0n
          const size = BigInt(chunk.get(partition) ?? 1)
          ranges.set(partition, { from: maxOf(this.#span(partition).logStart, to - size), to })
        }
        const records = await this.#readRanges(ranges)
        const read = [...records.values()].flat()
        const judged = await this.#judge(read)
        let i = 0
        for (const [partition, ofPartition] of records) {
          buffers.get(partition)?.refill(judged.slice(i, i + ofPartition.length).reverse())
          i += ofPartition.length
          below.set(partition, ranges.get(partition)?.from ?? 0n)
          chunk.set(partition, Math.min((chunk.get(partition) ?? 1) * 2, this.#bounds.maxChunk))
        }
      }
      yield* this.#merge(buffers, more, (a, b) => earlier(b, a))
      remember()
      yield* this.#progress()
    }
    return 'limit'
  }

  /** Every record of each range [from, to), fetching forward until each is read. */
  async #readRanges(
    ranges: Map<number, { from: bigint; to: bigint }>,
  ): Promise<Map<number, KafkaRecord[]>> {
    const position = new Map([...ranges].map(([partition, { from }]) => [partition, from]))
    const records = new Map([...ranges.keys()].map((partition) => [partition, [] as KafkaRecord[]]))
    for (;;) {
      const open = [...position].filter(([partition, at]) => at < (ranges.get(partition)?.to ?? 0n))
      if (open.length === 0) return records
      if (this.#options.signal.aborted) throw new Stopped('end', 'the client left')
      this.#checkBounds()
      const fetched = await this.#reader.fetch(new Map(open), this.#bounds.fetchWaitMs)
      for (const [partition, at] of open) {
        const to = ranges.get(partition)?.to ?? 0n
        const answer = fetched.get(partition)
        const kept = (answer?.records ?? []).filter((r) => r.offset >= at && r.offset < to)
        records.get(partition)?.push(...kept)
        const last = kept.at(-1)
        const after = maxOf(answer?.next ?? at, last ? last.offset + 1n : at)
        position.set(partition, kept.length === 0 && after <= at ? to : after)
      }
    }
  }

  /** After the first page, every record appended since the browse began, as it comes. */
  async *#follow(): AsyncGenerator<BrowseLine, StopReason> {
    const position = new Map(
      [...this.#spans.values()].map((span) => [span.partition, span.end] as const),
    )
    const began = this.#now()
    const scannedBefore = this.#scanned
    for (;;) {
      if (this.#options.signal.aborted) return 'end'
      this.#checkStopping()
      if (this.#now() - began >= this.#bounds.followMs) {
        throw new Stopped('timeLimit', `followed ${this.#bounds.followMs / 1000} s, the longest`)
      }
      if (this.#scanned - scannedBefore >= this.#bounds.followScanned) {
        throw new Stopped('scanLimit', `followed ${this.#bounds.followScanned} messages, the most`)
      }
      const fetched = await this.#reader.fetch(position, this.#bounds.fetchWaitMs)
      const read: KafkaRecord[] = []
      for (const [partition, at] of position) {
        const answer = fetched.get(partition)
        if (!answer) continue
        const records = answer.records.filter((r) => r.offset >= at)
        const last = records.at(-1)
        position.set(partition, maxOf(answer.next, last ? last.offset + 1n : at))
        read.push(...records)
      }
      const judged = await this.#judge(read.sort((a, b) => (earlier(a, b) ? -1 : 1)))
      for (const { record, verdict } of judged) {
        if (verdict !== true) continue
        this.#matched += 1
        yield messageLine(record, this.#options.maxBytes)
      }
      this.#next = new Map(position)
      yield* this.#progress()
    }
  }
}

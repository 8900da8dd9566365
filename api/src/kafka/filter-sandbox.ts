import { Worker } from 'node:worker_threads'
import type { FilterRecord } from './message-filter.ts'

/** What a filter answers for one record: whether it matches, or the error it hit on it. */
export type Verdict = boolean | string

/** How long a filter may take over one batch of records, and how much memory it may hold. */
export const filterBounds = { startMs: 10_000, batchMs: 2_000, batchRecords: 500, memoryMb: 64 }

/** The filter ran out of its time or memory: the browse stops and says so. */
export class FilterBoundExceeded extends Error {}

/**
 * A browse's filter in a worker thread of its own, with a deadline per batch: a filter that
 * takes too long (a regular expression that backtracks, macros nested over a large JSON) is
 * stopped by ending the thread, and the api's event loop never waits on it.
 */
export class FilterSandbox {
  readonly #worker: Worker
  readonly #ready: Promise<void>
  #failure: Error | undefined

  constructor(expression: string) {
    this.#worker = new Worker(new URL('./filter-worker.ts', import.meta.url), {
      workerData: { expression },
      resourceLimits: { maxOldGenerationSizeMb: filterBounds.memoryMb },
    })
    this.#worker.on('error', (error) => {
      this.#failure = new FilterBoundExceeded(`the filter stopped: ${error.message}`)
    })
    this.#worker.unref()
    this.#ready = this.#ask<'ready'>(undefined, filterBounds.startMs, 'to start').then(() => {})
    // Its failure is the first batch's to report; a sandbox closed unused must not leave it unhandled.
    this.#ready.catch(() => {})
  }

  /** The verdict on each record, in order. */
  async test(records: FilterRecord[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = []
    for (let at = 0; at < records.length; at += filterBounds.batchRecords) {
      verdicts.push(...(await this.#batch(records.slice(at, at + filterBounds.batchRecords))))
    }
    return verdicts
  }

  async #batch(records: FilterRecord[]): Promise<Verdict[]> {
    await this.#ready
    return this.#ask<Verdict[]>(records, filterBounds.batchMs, `over ${records.length} messages`)
  }

  /** Posts `message` (unless undefined) and waits at most `ms` for the worker's next answer. */
  #ask<T>(message: unknown, ms: number, what: string): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        this.#worker.off('message', answered)
        this.#worker.off('exit', exited)
      }
      const answered = (answer: T) => {
        done()
        resolve(answer)
      }
      const exited = () => {
        done()
        reject(this.#failure ?? new FilterBoundExceeded('the filter stopped'))
      }
      const timer = setTimeout(() => {
        done()
        this.#failure = new FilterBoundExceeded(`the filter took more than ${ms / 1000} s ${what}`)
        void this.#worker.terminate()
        reject(this.#failure)
      }, ms)
      this.#worker.once('message', answered)
      this.#worker.once('exit', exited)
      if (message !== undefined) this.#worker.postMessage(message)
    })
  }

  async close(): Promise<void> {
    await this.#worker.terminate()
  }
}

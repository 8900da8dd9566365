import type { Logger } from 'pino'
import type { Database } from '../db/client.ts'

/** The channel the access tables' triggers notify on (migration 0006). */
const accessChannel = 'fjord_access'

interface Entry {
  value: unknown
  expiresAt: number
}

/**
 * Who is calling and what they may reach, kept in memory so that a request need not ask the
 * database again: sessions, API keys, org memberships. Any change to those tables empties it on
 * every replica, through the NOTIFY their triggers send on commit; a route that changes access
 * also empties it here at once (`forget`), before its answer goes out. While the listener is
 * not listening, nothing is kept; the time to live bounds what a missed notification can cost.
 */
export class AccessCache {
  readonly #entries = new Map<string, Entry>()
  readonly #ttlMs: number
  readonly #maxEntries: number
  #listening = false
  // Bumped by every forget, so a lookup that raced a change does not keep what it read.
  #generation = 0

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? 60_000
    this.#maxEntries = options.maxEntries ?? 10_000
  }

  /** The cached value of `key`, or what `load` reads (kept when it is not undefined). */
  async get<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const entry = this.#entries.get(key)
    if (entry && entry.expiresAt > Date.now()) return entry.value as T
    const generation = this.#generation
    const value = await load()
    if (value !== undefined && this.#listening && generation === this.#generation) {
      if (this.#entries.size >= this.#maxEntries) {
        const oldest = this.#entries.keys().next()
        if (!oldest.done) this.#entries.delete(oldest.value)
      }
      this.#entries.set(key, { value, expiresAt: Date.now() + this.#ttlMs })
    }
    return value
  }

  forget(): void {
    this.#generation++
    this.#entries.clear()
  }

  /** Keeps the cache in step with the database's notifications; stop with the returned call. */
  follow(database: Database, log: Logger): () => Promise<void> {
    return database.subscribe(accessChannel, {
      notified: () => this.forget(),
      listening: () => {
        this.forget()
        this.#listening = true
      },
      lost: (error) => {
        this.#listening = false
        this.forget()
        log.warn({ err: error }, 'not listening for access changes: nothing is cached until it is')
      },
    })
  }
}

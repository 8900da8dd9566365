export interface RateDecision {
  allowed: boolean
  retryAfterSeconds: number
}

/**
 * Counts attempts per key in fixed windows. In memory, so each api replica counts on its own:
 * good enough to slow password guessing, not a global guarantee.
 */
export class FixedWindowLimiter {
  readonly #limit: number
  readonly #windowMs: number
  readonly #windows = new Map<string, { startedAt: number; count: number }>()

  constructor(limit: number, windowMs: number) {
    this.#limit = limit
    this.#windowMs = windowMs
  }

  hit(key: string, now = Date.now()): RateDecision {
    this.#forgetExpired(now)
    const window = this.#windows.get(key) ?? { startedAt: now, count: 0 }
    window.count += 1
    this.#windows.set(key, window)
    const retryAfterSeconds = Math.ceil((window.startedAt + this.#windowMs - now) / 1000)
    return { allowed: window.count <= this.#limit, retryAfterSeconds }
  }

  reset(key: string): void {
    this.#windows.delete(key)
  }

  #forgetExpired(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now - window.startedAt >= this.#windowMs) this.#windows.delete(key)
    }
  }
}

/**
 * Where a component reads the time and sets its timers, so that a test can step time instead
 * of sleeping through it (client-go passes k8s.io/utils/clock around for the same reason).
 */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number
  /** Calls `callback` once `ms` have passed on this clock; the function returned cancels it. */
  setTimeout(callback: () => void, ms: number): () => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms)
    return () => clearTimeout(timer)
  },
}

interface FakeTimer {
  at: number
  order: number
  callback: () => void
}

/**
 * A clock that moves only when a test steps it. Timers run during `step`, earliest first;
 * code they resume (an awaited sleep) runs after `step` returns, at the time stepped to.
 */
export class FakeClock implements Clock {
  #now: number
  #timers: FakeTimer[] = []
  #timersSet = 0

  constructor(start = 0) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): () => void {
    const timer = { at: this.#now + Math.max(0, ms), order: this.#timersSet++, callback }
    this.#timers.push(timer)
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer)
    }
  }

  /** How many timers were ever set: it grows when the code under test goes back to waiting. */
  get timersSet(): number {
    return this.#timersSet
  }

  /** When the earliest pending timer falls due; undefined when none is pending. */
  get nextDue(): number | undefined {
    return this.#next()?.at
  }

  /** Moves time on by `ms`, running every timer due by then; returns how many ran. */
  step(ms: number): number {
    const until = this.#now + ms
    let ran = 0
    for (let timer = this.#next(); timer && timer.at <= until; timer = this.#next()) {
      this.#timers = this.#timers.filter((t) => t !== timer)
      this.#now = timer.at
      timer.callback()
      ran++
    }
    this.#now = until
    return ran
  }

  #next(): FakeTimer | undefined {
    let earliest: FakeTimer | undefined
    for (const timer of this.#timers) {
      if (
        !earliest ||
        timer.at < earliest.at ||
        (timer.at === earliest.at && timer.order < earliest.order)
      )
        earliest = timer
    }
    return earliest
  }
}

/**
 * Waits `ms` on `clock`, or less when `signal` aborts first; it never rejects, so a loop that
 * sleeps between attempts just checks whether it was stopped once it wakes.
 */
export function sleep(ms: number, clock: Clock = systemClock, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const cancel = clock.setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done() {
      cancel()
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}

import { describe, expect, it } from 'vitest'
import { FixedWindowLimiter } from './rate-limit.ts'

describe('FixedWindowLimiter', () => {
  it('allows attempts up to the limit and refuses the next one', () => {
    const limiter = new FixedWindowLimiter(3, 60_000)
    const decisions = [1, 2, 3, 4].map(() => limiter.hit('a@example.com', 1_000).allowed)
    expect(decisions).toEqual([true, true, true, false])
  })

  it('tells how long to wait until the window ends', () => {
    const limiter = new FixedWindowLimiter(1, 60_000)
    limiter.hit('k', 0)
    expect(limiter.hit('k', 15_000)).toEqual({ allowed: false, retryAfterSeconds: 45 })
  })

  it('starts a fresh window once the previous one has passed', () => {
    const limiter = new FixedWindowLimiter(1, 60_000)
    limiter.hit('k', 0)
    expect(limiter.hit('k', 60_000).allowed).toBe(true)
  })

  it('counts keys separately', () => {
    const limiter = new FixedWindowLimiter(1, 60_000)
    limiter.hit('a', 0)
    expect(limiter.hit('b', 0).allowed).toBe(true)
  })

  it('forgets a key after a reset', () => {
    const limiter = new FixedWindowLimiter(1, 60_000)
    limiter.hit('a', 0)
    limiter.reset('a')
    expect(limiter.hit('a', 1).allowed).toBe(true)
  })
})

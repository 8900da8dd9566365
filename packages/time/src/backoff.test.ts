import { describe, expect, test } from 'vitest'
import { backoffDelay } from './backoff.ts'

describe('backoffDelay', () => {
  const backoff = { initialMs: 250, maxMs: 15_000 }

  test('doubles from the initial wait on every retry, up to the cap', () => {
    const steps = [0, 1, 2, 5, 6, 7, 200].map((retry) => backoffDelay(retry, backoff, () => 0))
    expect(steps).toEqual([250, 500, 1_000, 8_000, 15_000, 15_000, 15_000])
  })

  test('takes the jittered share off the step, never more', () => {
    expect(backoffDelay(2, backoff, () => 1)).toBe(500)
    expect(backoffDelay(2, { ...backoff, jitter: 0.2 }, () => 1)).toBe(800)
    expect(backoffDelay(2, { ...backoff, jitter: 1 }, () => 1)).toBe(0)
    expect(backoffDelay(2, { ...backoff, jitter: 0 }, () => 1)).toBe(1_000)
  })

  test('spreads retries over the jittered range', () => {
    const waits = new Set(Array.from({ length: 200 }, () => backoffDelay(3, backoff)))
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(1_000)
    for (const wait of waits) expect(wait).toBeLessThanOrEqual(2_000)
    expect(waits.size).toBeGreaterThan(50)
  })
})

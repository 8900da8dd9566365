import { describe, expect, it } from 'vitest'
import { retryDelayMs } from './outbox.ts'

describe('retryDelayMs', () => {
  it('waits half to all of 500 ms after a first failed attempt, and twice that after the next', () => {
    expect([retryDelayMs(1, () => 1), retryDelayMs(1, () => 0)]).toEqual([250, 500])
    expect([retryDelayMs(2, () => 1), retryDelayMs(2, () => 0)]).toEqual([500, 1_000])
  })

  it('never waits more than 15 s, so a change follows an outage closely', () => {
    expect([retryDelayMs(50, () => 1), retryDelayMs(50, () => 0)]).toEqual([7_500, 15_000])
  })
})

import { describe, expect, it } from 'vitest'
import { backoffMs } from './outbox.ts'

describe('backoffMs', () => {
  it('grows with the attempts, jittered between half and all of its ceiling', () => {
    expect(backoffMs(1, () => 0)).toBe(250)
    expect(backoffMs(1, () => 1)).toBe(500)
    expect(backoffMs(3, () => 0)).toBe(1_000)
    expect(backoffMs(3, () => 1)).toBe(2_000)
  })

  it('never waits more than 15 s, so a change follows an outage closely', () => {
    expect(backoffMs(50, () => 1)).toBe(15_000)
    expect(backoffMs(50, () => 0)).toBe(7_500)
  })
})

import { describe, expect, test } from 'vitest'
import { type Condition, findCondition, setCondition } from './conditions.ts'

const ready = (status: Condition['status'], reason = 'Provisioned') => ({
  type: 'Ready',
  status,
  reason,
  message: '',
  observedGeneration: 2,
})

describe('setCondition', () => {
  test('adds a condition with the current time, to the second, as its transition time', () => {
    const conditions = setCondition([], ready('True'), new Date('2026-01-02T03:04:05.678Z'))
    expect(conditions).toEqual([{ ...ready('True'), lastTransitionTime: '2026-01-02T03:04:05Z' }])
  })

  test('keeps the transition time while the status stays the same', () => {
    const first = setCondition([], ready('False', 'Waiting'), new Date('2026-01-01T00:00:00Z'))
    const second = setCondition(
      first,
      ready('False', 'StillWaiting'),
      new Date('2026-01-05T00:00:00Z'),
    )
    expect(findCondition(second, 'Ready')).toMatchObject({
      reason: 'StillWaiting',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    })
  })

  test('moves the transition time when the status flips, leaving other conditions alone', () => {
    const other = {
      ...ready('True'),
      type: 'Reconciling',
      lastTransitionTime: '2025-01-01T00:00:00Z',
    }
    const first = setCondition([other], ready('False'), new Date('2026-01-01T00:00:00Z'))
    const flipped = setCondition(first, ready('True'), new Date('2026-01-05T00:00:00Z'))
    expect(flipped).toEqual([
      other,
      { ...ready('True'), lastTransitionTime: '2026-01-05T00:00:00Z' },
    ])
  })
})

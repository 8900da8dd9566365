import { describe, expect, it } from 'vitest'
import { ApiError } from '../errors.ts'
import { parseOverrideArguments } from './overrides.ts'

describe('parseOverrideArguments', () => {
  it('reads limits as numbers and plan as a return to the plan', () => {
    expect(parseOverrideArguments(['topics=100', 'partitions=plan'])).toEqual({
      topics: 100,
      partitions: 'plan',
    })
  })

  it('refuses an unknown limit and a negative one', () => {
    expect(() => parseOverrideArguments(['brokers=3'])).toThrow(ApiError)
    expect(() => parseOverrideArguments(['topics=-1'])).toThrow(ApiError)
  })
})

import { describe, expect, it } from 'vitest'
import { FilterSandbox } from './filter-sandbox.ts'
import { compileFilter, type FilterRecord, filterProblem, jsonOf } from './message-filter.ts'

const aRecord = (overrides: Partial<FilterRecord> = {}): FilterRecord => ({
  partition: 1,
  offset: 42n,
  timestamp: Date.parse('2026-03-01T12:00:00Z'),
  key: 'order-7',
  value: '{"id":9007199254740993,"amount":120.5,"customer":{"tier":"gold"}}',
  headers: [
    ['type', 'order'],
    ['trace', null],
  ],
  ...overrides,
})

describe('a message filter', () => {
  it.each([
    ['key == "order-7"', true],
    ['key.startsWith("order-")', true],
    ['value.contains("gold")', true],
    ['headers["type"] == "order"', true],
    ['"trace" in headers && headers.trace == null', true],
    ['partition == 1 && offset > 40', true],
    ['timestamp > timestamp("2026-01-01T00:00:00Z")', true],
    ['json.amount > 100.0 && json.customer.tier == "gold"', true],
    // An int64 beyond a double's precision, compared exactly.
    ['json.id == 9007199254740993', true],
    ['json.id == 9007199254740992', false],
    ['has(json.customer) && !has(json.refund)', true],
    ['key.matches("^order-[0-9]+$")', true],
  ])('%s is %s for an order', (expression, expected) => {
    expect(filterProblem(expression)).toBeUndefined()
    expect(compileFilter(expression)(aRecord())).toBe(expected)
  })

  it('sees json as null when the value is no JSON, and key as null when there is none', () => {
    const test = compileFilter('json == null && key == null')
    expect(test(aRecord({ key: null, value: 'plain text' }))).toBe(true)
    expect(jsonOf('{"broken":')).toBeNull()
    expect(jsonOf('[1, 2.5]')).toEqual([1n, 2.5])
  })

  it('fails on a record it cannot answer for, rather than guessing', () => {
    expect(() => compileFilter('headers.missing == "x"')(aRecord())).toThrow(/No such key/)
  })

  it.each([
    ['value.contains(', /Unexpected token/],
    ['size == 3', /Unknown variable|found no matching overload/],
    ['partition', /not a condition/],
    ['offset + 1', /not a condition/],
    ['   ', /empty/],
    ['x'.repeat(2_001), /at most 2000/],
  ])('refuses %s before anything is read', (expression, message) => {
    expect(filterProblem(expression)).toMatch(message)
  })
})

describe('the filter sandbox', () => {
  it('answers each record, errors included, from a thread of its own', async () => {
    const sandbox = new FilterSandbox('headers.type == "order"')
    try {
      const verdicts = await sandbox.test([
        aRecord(),
        aRecord({ headers: [['type', 'refund']] }),
        aRecord({ headers: [] }),
      ])
      expect(verdicts.slice(0, 2)).toEqual([true, false])
      expect(verdicts[2]).toMatch(/No such key: type/)
    } finally {
      await sandbox.close()
    }
  })

  it('stops a filter that backtracks without end, and the event loop never waits on it', async () => {
    const sandbox = new FilterSandbox('value.matches("^(a+)+$")')
    const started = Date.now()
    let ticks = 0
    const timer = setInterval(() => {
      ticks += 1
    }, 50)
    try {
      await expect(sandbox.test([aRecord({ value: `${'a'.repeat(40)}!` })])).rejects.toThrow(
        /took more than 2 s/,
      )
      expect(Date.now() - started).toBeLessThan(6_000)
      expect(ticks).toBeGreaterThan(10)
    } finally {
      clearInterval(timer)
      await sandbox.close()
    }
  })
})

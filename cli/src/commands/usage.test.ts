import { expect, test } from 'vitest'
import { parseWhen } from './usage.ts'

const now = new Date('2026-03-08T12:00:00.000Z')

test('a while ago counts back from now', () => {
  expect(parseWhen('30m', now).toISOString()).toBe('2026-03-08T11:30:00.000Z')
  expect(parseWhen('24h', now).toISOString()).toBe('2026-03-07T12:00:00.000Z')
  expect(parseWhen('7d', now).toISOString()).toBe('2026-03-01T12:00:00.000Z')
  expect(parseWhen('now', now)).toBe(now)
})

test('a date is its midnight UTC, a date-time is as written', () => {
  expect(parseWhen('2026-03-01', now).toISOString()).toBe('2026-03-01T00:00:00.000Z')
  expect(parseWhen('2026-03-01T10:00:00+01:00', now).toISOString()).toBe('2026-03-01T09:00:00.000Z')
})

test('anything else is refused with the forms it takes', () => {
  for (const bad of ['yesterday', '7w', '2026-13-45', '-1d']) {
    expect(() => parseWhen(bad, now), bad).toThrow(/expected now, a date \(2026-03-01\)/)
  }
})

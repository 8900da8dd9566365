import { InvalidArgumentError } from 'commander'
import { describe, expect, test } from 'vitest'
import { parseOffset } from './offsets.ts'

const now = Date.parse('2025-05-01T12:00:00Z')
const hour = 3_600_000
const parse = (text: string) => parseOffset(text, now)

describe('the offset grammar', () => {
  test.each([
    ['start', { from: { at: 'start', plus: 0n } }],
    ['oldest', { from: { at: 'start', plus: 0n } }],
    ['end', { from: { at: 'end', minus: 0n } }],
    ['newest', { from: { at: 'end', minus: 0n } }],
    ['-3', { from: { at: 'end', minus: 3n } }],
    ['+2', { from: { at: 'start', plus: 2n } }],
    ['47', { from: { at: 'offset', offset: 47n } }],
    ['47:', { from: { at: 'offset', offset: 47n } }],
    ['9007199254740993', { from: { at: 'offset', offset: 9007199254740993n } }],
  ])('reads %s as where to start', (text, range) => {
    expect(parse(text)).toEqual(range)
  })

  test.each([
    [':end', { from: { at: 'start', plus: 0n }, until: { at: 'end' } }],
    ['start:end', { from: { at: 'start', plus: 0n }, until: { at: 'end' } }],
    ['-10:end', { from: { at: 'end', minus: 10n }, until: { at: 'end' } }],
    ['+5:end', { from: { at: 'start', plus: 5n }, until: { at: 'end' } }],
    ['3:end', { from: { at: 'offset', offset: 3n }, until: { at: 'end' } }],
    [':7', { from: { at: 'start', plus: 0n }, until: { at: 'offset', offset: 7n } }],
    ['3:7', { from: { at: 'offset', offset: 3n }, until: { at: 'offset', offset: 7n } }],
  ])('reads %s as a range that stops by itself', (text, range) => {
    expect(parse(text)).toEqual(range)
  })

  test.each([
    ['@1714564800000', Date.parse('2024-05-01T12:00:00Z')],
    ['@1714564800', Date.parse('2024-05-01T12:00:00Z')],
    ['@2025-04-30', Date.parse('2025-04-30T00:00:00Z')],
    ['@2025-04-30T10:15:00Z', Date.parse('2025-04-30T10:15:00Z')],
    ['@2025-04-30T10:15:00.250Z', Date.parse('2025-04-30T10:15:00.250Z')],
    ['@2025-04-30T10:15:00+02:00', Date.parse('2025-04-30T08:15:00Z')],
    ['@2025-04-30T10:15Z', Date.parse('2025-04-30T10:15:00Z')],
    ['@-1h', now - hour],
    ['@-1h30m', now - 1.5 * hour],
    ['@-1.5h', now - 1.5 * hour],
    ['@-2d', now - 48 * hour],
    ['@-500ms', now - 500],
    ['@-90s:', now - 90_000],
  ])('reads %s as a time', (text, ms) => {
    expect(parse(text)).toEqual({ from: { at: 'time', ms } })
  })

  test.each([
    ['@-2h:end', { from: { at: 'time', ms: now - 2 * hour }, until: { at: 'end' } }],
    [
      '@-2h:-1h',
      { from: { at: 'time', ms: now - 2 * hour }, until: { at: 'time', ms: now - hour } },
    ],
    [
      '@2025-04-30T10:00:00Z:30m',
      {
        from: { at: 'time', ms: Date.parse('2025-04-30T10:00:00Z') },
        until: { at: 'time', ms: Date.parse('2025-04-30T10:30:00Z') },
      },
    ],
    [
      '@2025-04-30:2025-05-01T06:00:00Z',
      {
        from: { at: 'time', ms: Date.parse('2025-04-30T00:00:00Z') },
        until: { at: 'time', ms: Date.parse('2025-05-01T06:00:00Z') },
      },
    ],
    ['@:-1h', { from: { at: 'start', plus: 0n }, until: { at: 'time', ms: now - hour } }],
  ])('reads %s as a time range', (text, range) => {
    expect(parse(text)).toEqual(range)
  })

  test.each([
    ['', /is no offset/],
    ['beginning', /"beginning" is no offset/],
    ['-', /is no offset/],
    ['+x', /is no offset/],
    ['3.5', /is no offset/],
    [':', /is no offset/],
    ['end:start', /is no offset/],
    ['7:3', /the end 3 must be after the start 7/],
    ['5:5', /the end 5 must be after the start 5/],
    ['start:soon', /is no offset/],
    ['@', /is no offset/],
    ['@:', /is no offset/],
    ['@1h', /"1h" is not a time; a time ago is -1h/],
    ['@yesterday', /"yesterday" is not a time/],
    ['@-1y', /"-1y" is not a time/],
    ['@2025-13-45', /"2025-13-45" is not a time/],
    ['@2025-04-30T10:00:00', /is no offset/],
    ['@12345', /"12345" is not a time/],
    ['@-1h:-2h', /the end time must be after the start time/],
    ['@-1h:x', /"x" is not a time/],
    ['@-1hx', /"-1hx" is not a time/],
  ])('refuses %j', (text, message) => {
    expect(() => parse(text)).toThrow(InvalidArgumentError)
    expect(() => parse(text)).toThrow(message)
  })
})

import { describe, expect, it } from 'vitest'
import { formatBytes, formatCount, formatSpan, percentOf } from './format.ts'

describe('insights formats', () => {
  it('writes bytes in the largest unit that keeps them at least 1', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1024)).toBe('1 KiB')
    expect(formatBytes(1_270_000)).toBe('1.21 MiB')
    expect(formatBytes(1024 ** 3)).toBe('1 GiB')
    expect(formatBytes(2048 * 1024 ** 3)).toBe('2 TiB')
  })

  it('never rounds a use below its limit up to 100 %', () => {
    expect(percentOf(3, 30)).toBe(10)
    expect(percentOf(299, 300)).toBe(99)
    expect(percentOf(30, 30)).toBe(100)
    expect(percentOf(40, 30)).toBe(133)
    expect(percentOf(0, 0)).toBe(0)
  })

  it('writes spans in whole units and counts with separators', () => {
    expect(formatSpan(7 * 86_400_000)).toBe('7 days')
    expect(formatSpan(3_600_000)).toBe('1 hour')
    expect(formatSpan(1500)).toBe('1,500 ms')
    expect(formatCount(12345)).toBe('12,345')
  })
})

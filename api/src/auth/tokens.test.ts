import { describe, expect, test } from 'vitest'
import { randomToken } from './tokens.ts'

describe('randomToken', () => {
  // A plain base64url draw starts with '-' once in 64: 10,000 draws all but surely meet one.
  test('never starts with a dash, which a command line would read as an option', () => {
    const tokens = Array.from({ length: 10_000 }, () => randomToken())
    expect(tokens.filter((token) => token.startsWith('-'))).toEqual([])
    expect(tokens.every((token) => /^[A-Za-z0-9_-]{32}$/.test(token))).toBe(true)
    expect(new Set(tokens).size).toBe(tokens.length)
  })
})

import { describe, expect, it } from 'vitest'
import { isOwnPath } from './next.ts'

describe('where log-in leads after', () => {
  it('follows paths on this site only', () => {
    expect(isOwnPath('/orgs/acme/topics?q=a')).toBe(true)
    for (const away of ['//evil.example/x', '/\\evil.example', 'https://evil.example', 'orgs']) {
      expect(isOwnPath(away), away).toBe(false)
    }
  })
})

import { z } from '@hono/zod-openapi'
import { describe, expect, it } from 'vitest'
import { mergePatch, patchSchemaOf } from './merge-patch.ts'

describe('mergePatch', () => {
  it('merges nested objects key by key', () => {
    expect(mergePatch({ a: 1, config: { x: '1', y: '2' } }, { config: { y: '3' } })).toEqual({
      a: 1,
      config: { x: '1', y: '3' },
    })
  })

  it('removes a key patched with null', () => {
    expect(mergePatch({ config: { x: '1', y: '2' } }, { config: { x: null } })).toEqual({
      config: { y: '2' },
    })
  })

  it('replaces arrays whole', () => {
    expect(mergePatch({ acls: [1, 2] }, { acls: [3] })).toEqual({ acls: [3] })
  })

  it('leaves the target untouched', () => {
    const target = { config: { x: '1' } }
    mergePatch(target, { config: { x: '2' } })
    expect(target).toEqual({ config: { x: '1' } })
  })
})

describe('patchSchemaOf', () => {
  const fields = z.object({
    description: z.string().default(''),
    acls: z.array(z.string()).default([]),
  })

  it('leaves out what was not sent, rather than putting it back to its default', () => {
    const patch = patchSchemaOf(fields).parse({ description: 'shop' })
    expect(patch).toEqual({ description: 'shop' })
    expect(mergePatch({ description: 'old', acls: ['a'] }, patch)).toEqual({
      description: 'shop',
      acls: ['a'],
    })
  })

  it('still checks what was sent', () => {
    expect(patchSchemaOf(fields).safeParse({ acls: 'a' }).success).toBe(false)
  })
})

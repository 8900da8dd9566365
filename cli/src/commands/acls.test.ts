import { describe, expect, test } from 'vitest'
import type { Acl } from '../shapes/access.ts'
import { parseAcl, parseOperations, withAcl, withoutAcl } from './acls.ts'

const orders: Acl = {
  resourceType: 'topic',
  patternType: 'literal',
  name: 'orders',
  operations: ['read'],
}
const shopGroups: Acl = {
  resourceType: 'group',
  patternType: 'prefixed',
  name: 'shop-',
  operations: ['read'],
}

describe('the ACL notation', () => {
  test('reads a type, a name (a prefix with *) and operations', () => {
    expect(parseAcl('topic:orders:write,read')).toEqual({
      resourceType: 'topic',
      patternType: 'literal',
      name: 'orders',
      operations: ['read', 'write'],
    })
    expect(parseAcl('group:shop-*:read')).toEqual(shopGroups)
    expect(parseAcl('transactional-id:tx:Write')).toMatchObject({
      resourceType: 'transactionalId',
      operations: ['write'],
    })
  })

  test('takes operations in any case, with dashes, and refuses unknown ones naming the valid', () => {
    expect(parseOperations('Describe-Configs, alterconfigs')).toEqual([
      'describeConfigs',
      'alterConfigs',
    ])
    expect(() => parseOperations('read,fly')).toThrow(/unknown operation "fly"; use all, read/)
    expect(() => parseOperations(',')).toThrow(/expected operations/)
  })

  test('refuses what is not <type>:<name>:<operations>', () => {
    for (const bad of ['topic:orders', 'cluster:x:read', 'topic::read', 'topic:a:read:extra']) {
      expect(() => parseAcl(bad), bad).toThrow(/expected <type>:<name>:<operations>/)
    }
  })
})

describe('editing an ACL list', () => {
  test('adds a new target at the end, and merges operations into an existing one', () => {
    expect(withAcl([orders], shopGroups)).toEqual([orders, shopGroups])
    expect(withAcl([orders, shopGroups], { ...orders, operations: ['write', 'read'] })).toEqual([
      { ...orders, operations: ['read', 'write'] },
      shopGroups,
    ])
  })

  test('a literal and a prefixed ACL on the same name are different targets', () => {
    const prefixed = { ...orders, patternType: 'prefixed' as const }
    expect(withAcl([orders], prefixed)).toEqual([orders, prefixed])
  })

  test('adding what is allowed already changes nothing', () => {
    expect(withAcl([orders], orders)).toBeUndefined()
  })

  test('removes operations, the whole target when none is left or none is named', () => {
    const both = { ...orders, operations: ['read', 'write'] } as Acl
    expect(withoutAcl([both, shopGroups], both, ['write'])).toEqual([orders, shopGroups])
    expect(withoutAcl([orders, shopGroups], orders, ['read'])).toEqual([shopGroups])
    expect(withoutAcl([both, shopGroups], both)).toEqual([shopGroups])
  })

  test('removing what is not allowed changes nothing', () => {
    expect(withoutAcl([orders], orders, ['write'])).toBeUndefined()
    expect(withoutAcl([orders], shopGroups)).toBeUndefined()
  })
})

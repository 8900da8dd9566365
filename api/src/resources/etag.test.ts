import { expect, it } from 'vitest'
import { etagOf } from './etag.ts'

it('tags a representation the same whatever the order of its keys, at any depth', () => {
  const written = { name: 'shop', acls: [{ resourceType: 'topic', name: 'orders' }] }
  const readBack = { acls: [{ name: 'orders', resourceType: 'topic' }], name: 'shop' }
  expect(etagOf(readBack)).toBe(etagOf(written))
})

it('tags another value, or another order of a list, differently', () => {
  expect(etagOf({ acls: ['a', 'b'] })).not.toBe(etagOf({ acls: ['b', 'a'] }))
  expect(etagOf({ partitions: 3 })).not.toBe(etagOf({ partitions: 4 }))
})

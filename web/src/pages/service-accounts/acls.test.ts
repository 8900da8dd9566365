import { describe, expect, test } from 'vitest'
import {
  type Acl,
  aclsOf,
  emptyRow,
  intentAcls,
  kafkaNameOf,
  notation,
  rowProblems,
  rowsOf,
  sameAcls,
  withAcls,
  withResourceType,
} from './acls.ts'

const orders: Acl = { resourceType: 'topic', name: 'orders', operations: ['write', 'read'] }

describe('the ACL editor', () => {
  test('sends the rows in order, with operations in the order Kafka names them', () => {
    const rows = rowsOf([orders, { ...orders, resourceType: 'group', name: 'billing' }])
    expect(aclsOf(rows)).toEqual([
      {
        resourceType: 'topic',
        patternType: 'literal',
        name: 'orders',
        operations: ['read', 'write'],
      },
      { resourceType: 'group', patternType: 'literal', name: 'billing', operations: ['read'] },
    ])
  })

  test('two lists grant the same whatever their order; a new empty row is a change', () => {
    const rows = rowsOf([orders])
    expect(sameAcls(aclsOf(rows), [{ ...orders, operations: ['read', 'write'] }])).toBe(true)
    expect(sameAcls(aclsOf([...rows, emptyRow()]), [orders])).toBe(false)
    expect(sameAcls([{ ...orders, patternType: 'prefixed' }], [orders])).toBe(false)
  })

  test('a row of another resource type keeps only the operations that type has', () => {
    const [row] = rowsOf([{ ...orders, operations: ['read', 'write', 'describe'] }])
    if (!row) throw new Error('no row')
    expect(withResourceType(row, 'group').operations).toEqual(['read', 'describe'])
    expect(withResourceType(row, 'transactionalId').operations).toEqual(['write', 'describe'])
  })

  test('says what the API would refuse before a save', () => {
    expect(rowProblems(emptyRow())).toEqual({
      name: 'Name the resource',
      operations: 'Pick at least one operation',
    })
    const [row] = rowsOf([{ ...orders, name: 'orders*' }])
    if (!row) throw new Error('no row')
    expect(rowProblems(row).name).toMatch(/a prefix needs no \*/)
    expect(rowProblems({ ...row, name: 'orders.v2' })).toEqual({})
  })

  test('shows the name Kafka carries, inside the prefix, and the CLI notation', () => {
    expect(kafkaNameOf('acme-main.', { name: 'orders', patternType: 'literal' })).toBe(
      'acme-main.orders',
    )
    expect(kafkaNameOf('acme-main.', { name: 'shop-', patternType: 'prefixed' })).toBe(
      'acme-main.shop-*',
    )
    expect(notation({ ...orders, operations: ['read', 'write'] })).toBe('topic:orders:read,write')
    expect(
      notation({
        resourceType: 'transactionalId',
        patternType: 'prefixed',
        name: 'tx-',
        operations: ['write'],
      }),
    ).toBe('transactional-id:tx-*:write')
  })

  test('an intent fills the rows a client needs, adding to a row on the same target', () => {
    const consumer = intentAcls({
      intent: 'consumer',
      topic: 'orders',
      topicPrefixed: false,
      group: 'billing',
      transactionalId: '',
    })
    expect(consumer.map(notation)).toEqual(['topic:orders:read,describe', 'group:billing:read'])
    const producer = intentAcls({
      intent: 'producer',
      topic: 'events-',
      topicPrefixed: true,
      group: '',
      transactionalId: '',
    })
    expect(producer.map(notation)).toEqual(['topic:events-*:write,describe'])

    const rows = withAcls(rowsOf([{ ...orders, operations: ['write'] }]), consumer)
    expect(aclsOf(rows).map(notation)).toEqual([
      'topic:orders:read,write,describe',
      'group:billing:read',
    ])
  })
})

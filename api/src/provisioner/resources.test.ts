import { describe, expect, it } from 'vitest'
import { aclRules, kubeName, selectorOf } from './resources.ts'

describe('kubeName', () => {
  it('joins parts that already make a Kubernetes name', () => {
    expect(kubeName(['main', 'orders.v1'], 253)).toBe('main.orders.v1')
  })

  it('makes a valid name of parts that do not, keeping distinct parts distinct', () => {
    const upper = kubeName(['main', 'Orders_V1'], 253)
    const lower = kubeName(['main', 'orders_v1'], 253)
    for (const name of [upper, lower]) {
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/)
    }
    expect(upper).not.toBe(lower)
    expect(upper.startsWith('main.orders-v1-')).toBe(true)
  })

  it('stays within the limit, for label values too', () => {
    const long = kubeName(['a'.repeat(40), 'b'.repeat(40)], 63)
    expect(long.length).toBeLessThanOrEqual(63)
    expect(long).toMatch(/^[a-z0-9].*[a-z0-9]$/)
    expect(kubeName(['a'.repeat(40), 'c'.repeat(40)], 63)).not.toBe(long)
  })
})

describe('aclRules', () => {
  it("names Kafka's operations as the KafkaUser resource wants them", () => {
    expect(
      aclRules([
        {
          resourceType: 'topic',
          patternType: 'prefixed',
          name: 'orders',
          operations: ['read', 'describeConfigs'],
        },
      ]),
    ).toEqual([
      {
        resource: { type: 'topic', name: 'orders', patternType: 'prefixed' },
        operations: ['Read', 'DescribeConfigs'],
      },
    ])
  })
})

describe('selectorOf', () => {
  it('selects exactly the given labels, and the presence of others', () => {
    expect(selectorOf({ 'fjord.dev/shard': 'a' }, ['fjord.dev/org-id'])).toBe(
      'fjord.dev/org-id,fjord.dev/shard=a',
    )
    expect(selectorOf(undefined)).toBe('')
  })
})

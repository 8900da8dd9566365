import { labels } from '@fjord/contract/metadata'
import { describe, expect, it } from 'vitest'
import { aclRules, selectorOf } from './resources.ts'

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
    expect(selectorOf({ 'fjord.dev/shard': 'a' }, [labels.orgId])).toBe(
      `${labels.orgId},fjord.dev/shard=a`,
    )
    expect(selectorOf(undefined)).toBe('')
  })
})

import { reasons } from '@fjord/contract/reasons'
import type { AclRule } from '@fjord/contract/types'
import { describe, expect, test } from 'vitest'
import { type AclBinding, desiredAcls, desiredQuotas, planAcls, planQuotas } from './user-plan.ts'

const read: AclRule = {
  resource: { type: 'topic', name: 'orders' },
  operations: ['Read', 'Describe'],
}

describe('desiredAcls', () => {
  test('puts every name of a shared cluster under its prefix', () => {
    const result = desiredAcls(
      'acme-prod.app',
      [
        read,
        {
          resource: { type: 'group', name: 'billing', patternType: 'prefixed' },
          operations: ['Read'],
        },
      ],
      'acme-prod.',
    )
    expect(result).toEqual({
      bindings: [
        expect.objectContaining({
          resourceType: 'topic',
          resourceName: 'acme-prod.orders',
          patternType: 'literal',
          operation: 'Read',
          principal: 'User:acme-prod.app',
          host: '*',
          permission: 'allow',
        }),
        expect.objectContaining({ resourceName: 'acme-prod.orders', operation: 'Describe' }),
        expect.objectContaining({
          resourceType: 'group',
          resourceName: 'acme-prod.billing',
          patternType: 'prefixed',
        }),
      ],
    })
  })

  test('turns * on a shared cluster into the prefix, prefixed, and never a wildcard', () => {
    const result = desiredAcls(
      'u',
      [{ resource: { type: 'topic', name: '*' }, operations: ['Write'] }],
      'acme-prod.',
    )
    expect(result).toEqual({
      bindings: [expect.objectContaining({ resourceName: 'acme-prod.', patternType: 'prefixed' })],
    })
  })

  test('refuses cluster-wide rights on a shared cluster', () => {
    const result = desiredAcls(
      'u',
      [{ resource: { type: 'cluster', name: 'kafka-cluster' }, operations: ['Alter'] }],
      'acme-prod.',
    )
    expect(result).toEqual({
      refusal: expect.objectContaining({ reason: reasons.ClusterAclRefused }),
    })
  })

  test('keeps names as they are on a dedicated cluster', () => {
    const result = desiredAcls(
      'app',
      [
        read,
        { resource: { type: 'cluster', name: 'kafka-cluster' }, operations: ['IdempotentWrite'] },
      ],
      undefined,
    )
    expect(
      'bindings' in result &&
        result.bindings.map((b) => `${b.resourceType}:${b.resourceName}:${b.operation}`),
    ).toEqual([
      'topic:orders:Read',
      'topic:orders:Describe',
      'cluster:kafka-cluster:IdempotentWrite',
    ])
  })

  test('lists a binding asked for twice once', () => {
    const result = desiredAcls('u', [read, read], 'p.')
    expect('bindings' in result && result.bindings).toHaveLength(2)
  })
})

describe('planAcls', () => {
  const binding = (operation: AclBinding['operation']): AclBinding => ({
    resourceType: 'topic',
    resourceName: 'p.orders',
    patternType: 'literal',
    principal: 'User:u',
    host: '*',
    operation,
    permission: 'allow',
  })

  test('creates what is missing and deletes what is extra, leaving the rest', () => {
    expect(
      planAcls([binding('Read'), binding('Write')], [binding('Write'), binding('Delete')]),
    ).toEqual({
      create: [binding('Read')],
      delete: [binding('Delete')],
    })
  })

  test('does nothing when Kafka matches', () => {
    expect(planAcls([binding('Read')], [binding('Read')])).toEqual({ create: [], delete: [] })
  })
})

describe('quotas', () => {
  test('maps the spec to Kafka quota keys', () => {
    expect(desiredQuotas({ producerByteRate: 1024, requestPercentage: 50 })).toEqual({
      producer_byte_rate: 1024,
      request_percentage: 50,
    })
    expect(desiredQuotas(undefined)).toEqual({})
  })

  test('sets changed values and removes those no longer asked for', () => {
    expect(
      planQuotas(
        { producer_byte_rate: 2048 },
        { producer_byte_rate: 1024, consumer_byte_rate: 4096 },
      ),
    ).toEqual({
      set: { producer_byte_rate: 2048 },
      remove: ['consumer_byte_rate'],
    })
    expect(planQuotas({ producer_byte_rate: 1024 }, { producer_byte_rate: 1024 })).toEqual({
      set: {},
      remove: [],
    })
  })
})

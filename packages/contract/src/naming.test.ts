import { describe, expect, it } from 'vitest'
import {
  kafkaName,
  kafkaPrincipal,
  kubeName,
  orgNamespaceName,
  passwordSecretName,
  sharedKafkaPrefix,
  topicResourceName,
  userResourceName,
} from './naming.ts'

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const labelValue = /^([a-z0-9]([-a-z0-9_.]*[a-z0-9])?)?$/i

describe('kubeName', () => {
  it('joins parts that already make a Kubernetes name', () => {
    expect(kubeName(['main', 'orders.v1'], 253)).toBe('main.orders.v1')
  })

  it('makes a valid name of parts that do not, keeping distinct parts distinct', () => {
    const upper = kubeName(['main', 'Orders_V1'], 253)
    const lower = kubeName(['main', 'orders_v1'], 253)
    for (const name of [upper, lower]) expect(name).toMatch(dnsSubdomain)
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

describe('the names the api gives what it makes', () => {
  it('names an org namespace from the id, never from a name a user picks', () => {
    expect(orgNamespaceName('0b7c')).toBe('fjord-org-0b7c')
  })

  it('names a KafkaTopic after its cluster and topic, valid whatever Kafka allows', () => {
    const longest = { name: `Orders_${'x'.repeat(242)}` }
    const name = topicResourceName({ name: 'main' }, longest)
    expect(name).toMatch(dnsSubdomain)
    expect(name.length).toBeLessThanOrEqual(253)
    expect(topicResourceName({ name: 'main' }, { name: 'orders' })).toBe('main.orders')
  })

  it.each(['-orders', '_orders_', '.orders', 'orders.-v1', 'a..b', '___'])(
    'names the KafkaTopic of a topic named %s validly',
    (topic) => {
      expect(topicResourceName({ name: 'main' }, { name: topic })).toMatch(dnsSubdomain)
    },
  )

  it('keeps the names it gave before, which existing KafkaTopics carry', () => {
    expect(topicResourceName({ name: 'main' }, { name: 'Orders_V1' })).toBe(
      'main.orders-v1-0caa58ba7c',
    )
    expect(topicResourceName({ name: 'main' }, { name: 'Orders..V1' })).toBe(
      'main.orders.v1-a49e9e684c',
    )
  })

  it("names a KafkaUser so that its password Secret's label can carry the name", () => {
    const longest = { name: 'b'.repeat(40) }
    const user = userResourceName({ name: 'c'.repeat(40) }, longest)
    expect(user.length).toBeLessThanOrEqual(63)
    expect(user).toMatch(labelValue)
    expect(user).toMatch(dnsSubdomain)
    expect(passwordSecretName({ name: 'main' }, { name: 'billing' })).toBe('main.billing.password')
  })
})

describe('names in Kafka', () => {
  it("puts every name of a shared cluster under the owner's and the cluster's prefix", () => {
    const prefix = sharedKafkaPrefix('acme', 'main')
    expect(prefix).toBe('acme-main.')
    expect(kafkaName(prefix, 'orders')).toBe('acme-main.orders')
    expect(kafkaPrincipal(kafkaName(prefix, 'billing'))).toBe('User:acme-main.billing')
  })
})

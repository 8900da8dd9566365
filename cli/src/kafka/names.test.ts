import { expect, test } from 'vitest'
import { CliError, exitCodes } from '../errors.ts'
import { ShortNames } from './names.ts'

const names = new ShortNames('acme-main.')

test('maps short names to Kafka names under the prefix, and back', () => {
  expect(names.toKafka('orders', 'topic')).toBe('acme-main.orders')
  expect(names.toKafka('billing', 'group')).toBe('acme-main.billing')
  expect(names.toShort('acme-main.orders')).toBe('orders')
  expect(names.toShort('elsewhere.orders')).toBe('elsewhere.orders')
})

test('refuses a name that carries the prefix already, with the short name to use', () => {
  const refusal = (() => {
    try {
      names.toKafka('acme-main.orders', 'topic')
    } catch (error) {
      return error
    }
  })()
  expect(refusal).toBeInstanceOf(CliError)
  expect(refusal).toMatchObject({
    exitCode: exitCodes.usage,
    message: `topic "acme-main.orders" carries the cluster's prefix acme-main.`,
    suggestion: 'fjord adds it: name the topic orders',
  })
})

test('takes any name under an empty prefix, as a dedicated cluster has', () => {
  const whole = new ShortNames('')
  expect(whole.toKafka('orders', 'topic')).toBe('orders')
  expect(whole.toShort('orders')).toBe('orders')
})

test('refuses an empty name', () => {
  expect(() => names.toKafka('', 'group')).toThrow('the group name is empty')
})

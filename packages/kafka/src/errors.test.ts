import { expect, test } from 'vitest'
import { kafkaErrorIds } from './errors.ts'

test('finds the ids nested in errors and causes, each once', () => {
  const broker = Object.assign(new Error('denied'), { apiId: 'TOPIC_AUTHORIZATION_FAILED' })
  const again = Object.assign(new Error('denied'), { apiId: 'TOPIC_AUTHORIZATION_FAILED' })
  const other = Object.assign(new Error('gone'), { apiId: 'UNKNOWN_TOPIC_OR_PARTITION' })
  const wrapped = new AggregateError([broker, new Error('plain', { cause: other }), again], 'x')
  expect(kafkaErrorIds(wrapped)).toEqual([
    'TOPIC_AUTHORIZATION_FAILED',
    'UNKNOWN_TOPIC_OR_PARTITION',
  ])
})

test('answers none for what carries no id', () => {
  expect(kafkaErrorIds(new Error('timeout'))).toEqual([])
  expect(kafkaErrorIds('a string')).toEqual([])
  expect(kafkaErrorIds(null)).toEqual([])
})

import { describe, expect, test } from 'vitest'
import { bytesToJson, parseHeader, parseLine, timestampToJson } from './records.ts'

describe('bytes in JSON', () => {
  test('are text when UTF-8, base64 otherwise, and null when absent', () => {
    expect(bytesToJson(Buffer.from('größe ✓'))).toBe('größe ✓')
    expect(bytesToJson(Buffer.from([0xc3, 0x28]))).toEqual({ base64: 'wyg=' })
    expect(bytesToJson(Buffer.alloc(0))).toBe('')
    expect(bytesToJson(null)).toBeNull()
  })

  test('a timestamp is RFC 3339, none when Kafka has none', () => {
    expect(timestampToJson(1_746_093_600_123n)).toBe('2025-05-01T10:00:00.123Z')
    expect(timestampToJson(-1n)).toBeNull()
  })
})

describe('an input line', () => {
  test('is the value, by default', () => {
    expect(parseLine('{"id":1}\t2', 'value')).toEqual({
      key: null,
      value: Buffer.from('{"id":1}\t2'),
      headers: [],
    })
  })

  test('is a key, a tab and the value with key-value; the value may hold tabs', () => {
    expect(parseLine('order-1\tshipped\tlate', 'key-value')).toEqual({
      key: Buffer.from('order-1'),
      value: Buffer.from('shipped\tlate'),
      headers: [],
    })
    expect(() => parseLine('order-1 shipped', 'key-value')).toThrow(
      'has no tab between the key and the value',
    )
  })

  test('is a record as consume prints it with json, bytes in base64 and null kept', () => {
    const line = JSON.stringify({
      topic: 'orders',
      offset: 3,
      key: null,
      value: { base64: 'wyg=' },
      headers: [
        { key: 'source', value: 'web' },
        { key: 'trace', value: null },
      ],
    })
    expect(parseLine(line, 'json')).toEqual({
      key: null,
      value: Buffer.from([0xc3, 0x28]),
      headers: [
        ['source', Buffer.from('web')],
        ['trace', null],
      ],
    })
    expect(parseLine('{"value":null}', 'json')).toEqual({ key: null, value: null, headers: [] })
  })

  test.each([
    ['{"id":', /^is not JSON/],
    ['[1,2]', 'is not a JSON object with key, value and headers'],
    ['{"value":3}', 'value must be a string, {"base64": "…"} or null'],
    ['{"key":{"hex":"00"}}', 'key must be a string, {"base64": "…"} or null'],
    ['{"headers":{"a":"b"}}', 'has headers that are not a list'],
    ['{"headers":[{"value":"b"}]}', 'has a header 0 without a string key'],
  ])('is refused with json when it is %s', (line, message) => {
    expect(() => parseLine(line, 'json')).toThrow(message)
  })
})

test('a header flag is key=value; the value may hold =', () => {
  expect(parseHeader('trace=a=b')).toEqual(['trace', Buffer.from('a=b')])
  expect(parseHeader('empty=')).toEqual(['empty', Buffer.alloc(0)])
  expect(() => parseHeader('=x')).toThrow('expected key=value, got "=x"')
  expect(() => parseHeader('novalue')).toThrow('expected key=value, got "novalue"')
})

import { expect, test } from 'vitest'
import { project } from '../output.ts'
import { declared } from './declared.ts'
import * as shapes from './messages.ts'

// Machine output is a contract: a field renamed, dropped or reordered must show up here.
test('the JSON fields of produced and consumed records stay as declared', () => {
  expect(declared(shapes)).toMatchInlineSnapshot(`
    {
      "producedShape": {
        "columns": "topic,partition,offset",
        "fields": "topic,partition,offset",
      },
      "recordShape": {
        "columns": "topic,partition,offset,timestamp,key,headers",
        "fields": "topic,partition,offset,timestamp,key,value,headers",
      },
    }
  `)
})

test('a consumed record is JSON with text for UTF-8 and base64 for other bytes', () => {
  const record = {
    topic: 'orders',
    partition: 2,
    offset: 14n,
    timestamp: 1_746_093_600_123n,
    key: Buffer.from('order-1'),
    value: Buffer.from([0xff, 0x00, 0xfe]),
    headers: [
      ['source', Buffer.from('web')],
      ['trace', null],
    ] as [string, Buffer | null][],
  }
  const fields = Object.keys(shapes.recordShape.fields)
  const json = project(shapes.recordShape, record, fields)
  expect(JSON.stringify(json)).toBe(
    '{"topic":"orders","partition":2,"offset":14,"timestamp":"2025-05-01T10:00:00.123Z","key":"order-1","value":{"base64":"/wD+"},"headers":[{"key":"source","value":"web"},{"key":"trace","value":null}]}',
  )
})

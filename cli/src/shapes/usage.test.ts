import { expect, test } from 'vitest'
import { declared } from './declared.ts'
import * as shapes from './usage.ts'

// Machine output is a contract: a field renamed, dropped or reordered must show up here.
test('the JSON and YAML fields of quotas, usage and audit events stay as declared', () => {
  const { quotaRows: _rows, ...declaredShapes } = shapes
  expect(declared(declaredShapes)).toMatchInlineSnapshot(`
    {
      "auditEventShape": {
        "columns": "createdAt,actor,action,targetType,target,outcome",
        "fields": "id,createdAt,actor,actorType,action,targetType,target,outcome,requestId,details",
      },
      "quotaShape": {
        "columns": "limit,current,maximum,unit",
        "fields": "limit,current,maximum,unit",
      },
      "quotaViolationShape": {
        "columns": "limit,current,maximum,requested",
        "fields": "limit,current,maximum,requested",
      },
      "usagePointShape": {
        "columns": "time,partitions,storageBytes,messagesIn,bytesIn,bytesOut",
        "fields": "time,partitions,storageBytes,messagesIn,bytesIn,bytesOut",
      },
    }
  `)
})

test('each limit of the quota is a row with its use; retention has none', () => {
  const limits = {
    clusters: 1,
    topics: 10,
    partitions: 30,
    storageBytes: 1024,
    ingressBytesPerSecond: 2048,
    egressBytesPerSecond: 4096,
    maxRetentionMs: 604800000,
  }
  const use = {
    clusters: 1,
    topics: 2,
    partitions: 6,
    storageBytes: 10,
    ingressBytesPerSecond: 0,
    egressBytesPerSecond: 0,
  }
  expect(shapes.quotaRows({ plan: 'free', limits, use })).toEqual([
    { limit: 'clusters', current: 1, maximum: 1, unit: 'count' },
    { limit: 'topics', current: 2, maximum: 10, unit: 'count' },
    { limit: 'partitions', current: 6, maximum: 30, unit: 'count' },
    { limit: 'storageBytes', current: 10, maximum: 1024, unit: 'bytes' },
    { limit: 'ingressBytesPerSecond', current: 0, maximum: 2048, unit: 'bytes/s' },
    { limit: 'egressBytesPerSecond', current: 0, maximum: 4096, unit: 'bytes/s' },
    { limit: 'maxRetentionMs', current: null, maximum: 604800000, unit: 'ms' },
  ])
})

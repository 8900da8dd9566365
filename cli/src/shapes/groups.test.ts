import { expect, test } from 'vitest'
import { declared } from './declared.ts'
import * as shapes from './groups.ts'

// Machine output is a contract: a field renamed, dropped or reordered must show up here.
test('the JSON and YAML fields of consumer groups and offset resets stay as declared', () => {
  expect(declared(shapes)).toMatchInlineSnapshot(`
    {
      "groupDetailShape": {
        "columns": "name,state,assignor,memberCount,lag",
        "fields": "name,state,assignor,memberCount,lag,topics,members,partitions",
      },
      "groupMemberShape": {
        "columns": "clientId,host,assignments,memberId",
        "fields": "clientId,host,assignments,instanceId,memberId",
      },
      "groupPartitionShape": {
        "columns": "topic,partition,committedOffset,endOffset,lag,clientId,host",
        "fields": "topic,partition,committedOffset,endOffset,lag,clientId,host,memberId",
      },
      "groupShape": {
        "columns": "name,state,memberCount,lag,topics",
        "fields": "name,state,memberCount,lag,topics",
      },
      "offsetResetShape": {
        "columns": "topic,partition,previousOffset,newOffset",
        "fields": "topic,partition,previousOffset,newOffset",
      },
    }
  `)
})

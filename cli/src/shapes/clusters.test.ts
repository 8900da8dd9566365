import { expect, test } from 'vitest'
import * as shapes from './clusters.ts'
import { declared } from './declared.ts'

// Machine output is a contract: a field renamed, dropped or reordered must show up here.
test('the JSON and YAML fields of clusters and topics stay as declared', () => {
  expect(declared(shapes)).toMatchInlineSnapshot(`
    {
      "clusterShape": {
        "columns": "name,type,region,phase,bootstrapServers",
        "fields": "name,type,provider,region,description,phase,kafkaPrefix,bootstrapServers,createdAt",
      },
      "topicShape": {
        "columns": "name,partitions,replicationFactor,phase,config",
        "fields": "name,cluster,kafkaName,partitions,replicationFactor,config,phase,createdAt",
      },
    }
  `)
})

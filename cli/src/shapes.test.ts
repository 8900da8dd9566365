import { expect, test } from 'vitest'
import { clusterShape, identityShape, orgShape, profileShape, topicShape } from './shapes.ts'

// Machine output is a contract: a field renamed, dropped or reordered must show up here.
test('the JSON and YAML fields of every resource stay as declared', () => {
  const shapes = { orgShape, clusterShape, topicShape, identityShape, profileShape }
  const declared = Object.fromEntries(
    Object.entries(shapes).map(([name, shape]) => [
      name,
      { fields: Object.keys(shape.fields).join(','), columns: shape.columns.join(',') },
    ]),
  )
  expect(declared).toMatchInlineSnapshot(`
    {
      "clusterShape": {
        "columns": "name,type,region,phase,bootstrapServers",
        "fields": "name,type,provider,region,description,phase,kafkaPrefix,bootstrapServers,createdAt",
      },
      "identityShape": {
        "columns": "profile,apiUrl,apiKey,role,org,cluster",
        "fields": "profile,apiUrl,kind,email,apiKey,role,orgs,org,cluster",
      },
      "orgShape": {
        "columns": "name,displayName,plan",
        "fields": "name,displayName,plan,createdAt",
      },
      "profileShape": {
        "columns": "name,current,apiUrl,loggedIn,org,cluster",
        "fields": "name,current,apiUrl,loggedIn,org,cluster",
      },
      "topicShape": {
        "columns": "name,partitions,replicationFactor,phase,config",
        "fields": "name,cluster,kafkaName,partitions,replicationFactor,config,phase,createdAt",
      },
    }
  `)
})

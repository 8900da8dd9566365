import { expect, test } from 'vitest'
import * as shapes from './access.ts'
import { declared } from './declared.ts'

// Machine output is a contract: a field renamed, dropped or reordered must show up here.
test('the JSON and YAML fields of API keys, service accounts, ACLs and credentials stay as declared', () => {
  const { describeAcl: _notation, ...declaredShapes } = shapes
  expect(declared(declaredShapes)).toMatchInlineSnapshot(`
    {
      "aclShape": {
        "columns": "resourceType,patternType,name,operations",
        "fields": "resourceType,patternType,name,operations",
      },
      "apiKeyShape": {
        "columns": "name,role,prefix,lastUsedAt",
        "fields": "name,role,prefix,lastUsedAt,createdAt",
      },
      "connectionShape": {
        "columns": "bootstrapServers,username,password,topicPrefix",
        "fields": "bootstrapServers,securityProtocol,saslMechanism,username,password,topicPrefix,loginReady",
      },
      "createdApiKeyShape": {
        "columns": "name,role,prefix,lastUsedAt,token",
        "fields": "name,role,prefix,lastUsedAt,createdAt,token",
      },
      "credentialShape": {
        "columns": "id,username,createdAt,saved",
        "fields": "id,username,mechanism,createdAt,saved",
      },
      "issuedCredentialShape": {
        "columns": "id,username,password,loginReady",
        "fields": "id,username,mechanism,createdAt,password,loginReady,connection,clientConfig",
      },
      "serviceAccountShape": {
        "columns": "name,principal,phase,description",
        "fields": "name,cluster,principal,description,acls,phase,createdAt",
      },
    }
  `)
})

test('an ACL reads as fjord notation, a prefix ending in *', () => {
  expect(
    shapes.describeAcl({ resourceType: 'topic', name: 'orders', operations: ['read', 'write'] }),
  ).toBe('topic:orders:read,write')
  expect(
    shapes.describeAcl({
      resourceType: 'transactionalId',
      patternType: 'prefixed',
      name: 'shop-',
      operations: ['write'],
    }),
  ).toBe('transactional-id:shop-*:write')
})

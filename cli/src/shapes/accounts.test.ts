import { expect, test } from 'vitest'
import * as shapes from './accounts.ts'
import { declared } from './declared.ts'

// Machine output is a contract: a field renamed, dropped or reordered must show up here.
test('the JSON and YAML fields of accounts stay as declared', () => {
  expect(declared(shapes)).toMatchInlineSnapshot(`
    {
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
    }
  `)
})

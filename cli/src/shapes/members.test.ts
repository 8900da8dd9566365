import { expect, test } from 'vitest'
import { declared } from './declared.ts'
import * as shapes from './members.ts'

// Machine output is a contract: a field renamed, dropped or reordered must show up here.
test('the JSON and YAML fields of members and invitations stay as declared', () => {
  expect(declared(shapes)).toMatchInlineSnapshot(`
    {
      "createdInvitationShape": {
        "columns": "email,role,expiresAt,token",
        "fields": "id,email,role,expiresAt,createdAt,token",
      },
      "invitationShape": {
        "columns": "id,email,role,expiresAt",
        "fields": "id,email,role,expiresAt,createdAt",
      },
      "joinedShape": {
        "columns": "organization,role",
        "fields": "organization,role",
      },
      "memberShape": {
        "columns": "email,name,role,createdAt",
        "fields": "email,name,role,createdAt,updatedAt",
      },
    }
  `)
})

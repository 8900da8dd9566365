import { expect, test } from 'vitest'
import * as shapes from './declarative.ts'
import { declared } from './declared.ts'

// Machine output is a contract: a field renamed, dropped or reordered must show up here.
test('the JSON and YAML fields of a plan stay as declared', () => {
  expect(declared(shapes)).toMatchInlineSnapshot(`
    {
      "fieldChangeShape": {
        "columns": "field,from,to",
        "fields": "field,from,to",
      },
      "planEntryShape": {
        "columns": "action,kind,cluster,name",
        "fields": "action,kind,cluster,name,changes",
      },
      "planShape": {
        "columns": "org,summary",
        "fields": "org,prune,summary,changes,unmanaged",
      },
      "summaryShape": {
        "columns": "add,change,destroy,unchanged",
        "fields": "add,change,destroy,unchanged",
      },
      "unmanagedShape": {
        "columns": "kind,cluster,name",
        "fields": "kind,cluster,name",
      },
    }
  `)
})

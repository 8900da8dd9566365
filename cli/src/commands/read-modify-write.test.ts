import { describe, expect, test } from 'vitest'
import type { Acl } from '../shapes/access.ts'
import { withAcl } from './acls.ts'
import { lostRace, readModifyWrite, type Versioned } from './read-modify-write.ts'

const orders: Acl = { resourceType: 'topic', name: 'orders', operations: ['read'] }
const shopGroups: Acl = { resourceType: 'group', name: 'shop-', operations: ['read'] }

/** A resource behind If-Match, as the API keeps one: each write gets a new version. */
function aVersionedStore(acls: Acl[]) {
  let version = 1
  let value = acls
  let writes = 0
  return {
    get value() {
      return value
    },
    get writes() {
      return writes
    },
    read: async (): Promise<Versioned<Acl[]>> => ({ value, etag: `"${version}"` }),
    write: async (next: Acl[], etag: string): Promise<Acl[] | typeof lostRace> => {
      writes++
      if (etag !== `"${version}"`) return lostRace
      value = next
      version++
      return value
    },
  }
}

describe('readModifyWrite', () => {
  test('a change made by someone else between the read and the write is not lost', async () => {
    const store = aVersionedStore([orders])
    let first = true
    const result = await readModifyWrite(
      async () => {
        const read = await store.read()
        if (first) {
          // Someone else adds an ACL after this read, before this write.
          first = false
          await store.write([orders, shopGroups], read.etag)
        }
        return read
      },
      (acls) => withAcl(acls, { ...orders, name: 'payments' }),
      store.write,
    )
    const names = store.value.map((acl) => acl.name)
    expect(names).toEqual(['orders', 'shop-', 'payments'])
    expect(result).toEqual({ result: store.value, changed: true })
  })

  test('writes nothing when the change is already there', async () => {
    const store = aVersionedStore([orders])
    const result = await readModifyWrite(store.read, (acls) => withAcl(acls, orders), store.write)
    expect(result).toEqual({ result: [orders], changed: false })
    expect(store.writes).toBe(0)
  })

  test('gives up after five lost races, saying so', async () => {
    const store = aVersionedStore([orders])
    const alwaysChanged = async () => ({ value: store.value, etag: '"stale"' })
    await expect(
      readModifyWrite(alwaysChanged, (acls) => withAcl(acls, shopGroups), store.write),
    ).rejects.toThrow('it kept changing while fjord wrote it (5 tries)')
    expect(store.writes).toBe(5)
  })
})

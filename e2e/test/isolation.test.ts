import { createObject, deleteObject, getObject } from '@fjord/kube/apply'
import { ConfigMaps, Namespaces } from '@fjord/kube/resources'
import { expectAnswer, expectProblem } from '@fjord/testing/answers'
import { uniqueName } from '@fjord/testing/names'
import { aProduct } from '@fjord/testing/product'
import { aTenant } from '@fjord/testing/tenants'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'

let product: Awaited<ReturnType<typeof aProduct>>
const victim = uniqueName('victim')
beforeAll(async () => {
  product = await aProduct()
})
afterAll(async () => {
  await deleteObject(product.kube, Namespaces, victim, undefined)
  await product.stop()
})

// Found by probing the running product: an org named after a namespace of the platform's
// took it over through its cluster, and deleting the org deleted it with all it held.
test("an org named after someone else's namespace neither changes nor deletes it", async () => {
  const namespace = await createObject(product.kube, Namespaces, { metadata: { name: victim } })
  const precious = await createObject(product.kube, ConfigMaps, {
    metadata: { name: 'precious', namespace: victim },
    data: { a: 'b' },
  })
  const tenant = await aTenant(product.api, { org: victim })
  const owner = product.as(tenant.owner)
  const org = { org: tenant.org }
  const main = { ...org, cluster: 'main' }
  const cluster = await expectAnswer(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: main, query: { wait: 'true' } },
      body: { type: 'shared' },
    }),
    201,
  )
  expect(cluster.status).toMatchObject({ phase: 'Ready' })
  expect(tenant.namespace).not.toBe(victim)

  await expectAnswer(
    owner.DELETE('/v1/orgs/{org}/clusters/{cluster}', { params: { path: main } }),
    202,
  )
  await vi.waitFor(
    async () =>
      expectProblem(
        owner.GET('/v1/orgs/{org}/clusters/{cluster}', { params: { path: main } }),
        404,
      ),
    { timeout: 60_000, interval: 250 },
  )
  await expectAnswer(owner.DELETE('/v1/orgs/{org}', { params: { path: org } }), 204)
  // The org's own namespace goes: the org's deletion has reached Kubernetes.
  await vi.waitFor(
    async () => {
      const own = await getObject(product.kube, Namespaces, tenant.namespace)
      expect(own === undefined || own.metadata.deletionTimestamp !== undefined).toBe(true)
    },
    { timeout: 60_000, interval: 250 },
  )

  const after = await getObject(product.kube, Namespaces, victim)
  expect(after?.metadata.deletionTimestamp).toBeUndefined()
  expect(after?.metadata.resourceVersion).toBe(namespace.metadata.resourceVersion)
  expect(after?.metadata.labels).toEqual(namespace.metadata.labels)
  const kept = await getObject(product.kube, ConfigMaps, 'precious', victim)
  expect(kept?.metadata.resourceVersion).toBe(precious.metadata.resourceVersion)
  expect(kept?.data).toEqual({ a: 'b' })
})

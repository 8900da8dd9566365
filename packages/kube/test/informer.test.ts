import { readStackEnv } from '@fjord/stack/env'
import { createTestNamespace, proxiedClient } from '@fjord/testing/kube'
import { KubeConfig } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { apply, deleteObject, listObjects } from '../src/apply.ts'
import { KubeClient } from '../src/client.ts'
import { apiListWatch, Informer, objectKey } from '../src/informer.ts'
import { ConfigMaps, collectionPath } from '../src/resources.ts'

const kc = new KubeConfig()
kc.loadFromFile(readStackEnv().kube.kubeconfig)
const client = new KubeClient(kc)

function aConfigMap(namespace: string, name: string, data: Record<string, string> = {}) {
  return { metadata: { name, namespace }, data }
}

function recordEvents(informer: Informer) {
  const events: string[] = []
  informer
    .onAdd((o) => events.push(`add ${o.metadata.name}`))
    .onUpdate((o) => events.push(`update ${o.metadata.name} ${JSON.stringify(o.data ?? {})}`))
    .onDelete((o) => events.push(`delete ${o.metadata.name}`))
  return events
}

describe('Informer against the real apiserver', () => {
  let namespaces: { remove: () => Promise<void> }[] = []
  async function aNamespace() {
    const ns = await createTestNamespace(client, 'kube-informer')
    namespaces.push(ns)
    return ns.namespace
  }
  beforeAll(() => {
    namespaces = []
  })
  afterAll(async () => {
    await Promise.all(namespaces.map((ns) => ns.remove()))
    client.close()
  })

  test('sees ConfigMaps added, updated and deleted, and keeps the latest of each', async () => {
    const namespace = await aNamespace()
    await apply(client, ConfigMaps, aConfigMap(namespace, 'before', { v: '0' }))
    const informer = new Informer(apiListWatch(client, collectionPath(ConfigMaps, namespace)))
    const events = recordEvents(informer)
    informer.start()
    try {
      await informer.synced
      expect(informer.get(`${namespace}/before`)?.data).toEqual({ v: '0' })
      expect(informer.get(`${namespace}/before`)?.kind, 'list items get their kind').toBe(
        'ConfigMap',
      )
      await apply(client, ConfigMaps, aConfigMap(namespace, 'orders', { v: '1' }))
      await apply(client, ConfigMaps, aConfigMap(namespace, 'orders', { v: '2' }))
      await deleteObject(client, ConfigMaps, 'before', namespace)
      await expect
        .poll(() => events.filter((e) => !e.includes('kube-root-ca')), { timeout: 10_000 })
        .toEqual(['add before', 'add orders', 'update orders {"v":"2"}', 'delete before'])
      expect(informer.get(`${namespace}/orders`)?.data).toEqual({ v: '2' })
      expect(informer.get(`${namespace}/orders`)?.metadata.managedFields).toBeUndefined()
      expect(informer.get(`${namespace}/before`)).toBeUndefined()
    } finally {
      await informer.stop()
    }
  })

  test('fills its cache through many list pages and agrees with a direct list', async () => {
    const namespace = await aNamespace()
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        apply(client, ConfigMaps, aConfigMap(namespace, `paged-${i}`, { i: String(i) })),
      ),
    )
    const informer = new Informer(apiListWatch(client, collectionPath(ConfigMaps, namespace)), {
      pageSize: 7,
    })
    informer.start()
    try {
      await informer.synced
      const listed = await listObjects(client, ConfigMaps, { namespace, pageSize: 4 })
      expect(listed.length).toBeGreaterThanOrEqual(25)
      expect(informer.keys().sort()).toEqual(listed.map(objectKey).sort())
      expect(informer.get(`${namespace}/paged-24`)?.data).toEqual({ i: '24' })
    } finally {
      await informer.stop()
    }
  })

  test('sees changes made while its watch connection was cut, once it can reconnect', async () => {
    const namespace = await aNamespace()
    const { client: proxied, proxy } = await proxiedClient(kc)
    const informer = new Informer(apiListWatch(proxied, collectionPath(ConfigMaps, namespace)), {
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 500,
    })
    informer.start()
    try {
      await informer.synced
      await apply(client, ConfigMaps, aConfigMap(namespace, 'early'))
      await expect.poll(() => informer.get(`${namespace}/early`), { timeout: 10_000 }).toBeTruthy()

      proxy.refuse(true)
      proxy.cut()
      await apply(client, ConfigMaps, aConfigMap(namespace, 'during-outage'))
      await deleteObject(client, ConfigMaps, 'early', namespace)
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(informer.get(`${namespace}/during-outage`), 'no way to hear of it yet').toBeUndefined()
      proxy.refuse(false)

      await expect
        .poll(() => informer.get(`${namespace}/during-outage`), { timeout: 15_000 })
        .toBeTruthy()
      await expect.poll(() => informer.get(`${namespace}/early`)).toBeUndefined()
      expect(informer.stats.watches).toBeGreaterThanOrEqual(2)
    } finally {
      await informer.stop()
      await proxy.close()
      proxied.close()
    }
  })

  test('restarts a watch that went silent and then hears what happened', async () => {
    const namespace = await aNamespace()
    const { client: proxied, proxy } = await proxiedClient(kc)
    const informer = new Informer(apiListWatch(proxied, collectionPath(ConfigMaps, namespace)), {
      stallTimeoutMs: 2_000,
    })
    const added: string[] = []
    informer.onAdd((o) => added.push(objectKey(o)))
    informer.start()
    try {
      await informer.synced
      // Seeing an event proves the watch connection is open, so the freeze catches it.
      await apply(client, ConfigMaps, aConfigMap(namespace, 'marker'))
      await expect.poll(() => added, { timeout: 10_000 }).toContain(`${namespace}/marker`)
      const stallsBefore = informer.stats.stalls
      proxy.freeze()
      await apply(client, ConfigMaps, aConfigMap(namespace, 'while-frozen'))
      await expect.poll(() => added, { timeout: 15_000 }).toContain(`${namespace}/while-frozen`)
      expect(informer.stats.stalls).toBeGreaterThan(stallsBefore)
    } finally {
      await informer.stop()
      await proxy.close()
      proxied.close()
    }
  })
})

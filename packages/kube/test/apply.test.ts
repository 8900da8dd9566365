import { readStackEnv } from '@fjord/stack/env'
import { createTestNamespace } from '@fjord/testing/kube'
import { KubeConfig } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import {
  addFinalizer,
  apply,
  applyStatus,
  applyStatusIfChanged,
  deleteObject,
  getObject,
  removeFinalizer,
} from '../src/apply.ts'
import { KubeClient, type KubeObject } from '../src/client.ts'
import { isConflict, isInvalid, isNotFound, KubeError } from '../src/errors.ts'
import {
  ConfigMaps,
  CustomResourceDefinitions,
  collectionPath,
  controllerReference,
  defineResource,
} from '../src/resources.ts'

const kc = new KubeConfig()
kc.loadFromFile(readStackEnv().kube.kubeconfig)
const client = new KubeClient(kc)

const group = 'kube-apply-test.fjord.dev'
const Gadgets = defineResource(`${group}/v1`, 'Gadget', 'gadgets')

/** A small CRD with a status subresource, shaped like the operator's own kinds. */
const gadgetCrd = {
  metadata: { name: `gadgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { partitions: { type: 'integer', minimum: 1 } },
              },
              status: {
                type: 'object',
                properties: {
                  phase: { type: 'string' },
                  observedGeneration: { type: 'integer' },
                  conditions: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['type'],
                    items: {
                      type: 'object',
                      required: ['type', 'status'],
                      properties: {
                        type: { type: 'string' },
                        status: { type: 'string' },
                        reason: { type: 'string' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
}

const aGadget = (namespace: string, name: string, partitions = 3) => ({
  metadata: { name, namespace },
  spec: { partitions },
})

describe('server-side apply and friends against the real apiserver', () => {
  let namespace = ''
  let removeNamespace = async () => {}

  beforeAll(async () => {
    await apply(client, CustomResourceDefinitions, gadgetCrd)
    ;({ namespace, remove: removeNamespace } = await createTestNamespace(client, 'kube-apply'))
    // A CRD is served a moment after it is Established.
    await vi.waitFor(() => client.get(collectionPath(Gadgets, namespace)), { timeout: 20_000 })
  })
  afterAll(async () => {
    await removeNamespace()
    client.close()
  })

  test('creates an object by applying it and leaves it untouched when the same apply comes again', async () => {
    const created = await apply(client, Gadgets, aGadget(namespace, 'idempotent'))
    expect(created.spec).toEqual({ partitions: 3 })
    expect(created.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'fjord-operator', operation: 'Apply' }),
    )
    const again = await apply(client, Gadgets, aGadget(namespace, 'idempotent'))
    expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion)
    const changed = await apply(client, Gadgets, aGadget(namespace, 'idempotent', 6))
    expect(changed.spec.partitions).toBe(6)
    expect(changed.metadata.generation).toBe(2)
  })

  test('drops a field the operator stopped applying', async () => {
    await apply(client, ConfigMaps, {
      metadata: { name: 'shrinking', namespace },
      data: { a: '1', b: '2' },
    })
    const shrunk = await apply(client, ConfigMaps, {
      metadata: { name: 'shrinking', namespace },
      data: { a: '1' },
    })
    expect(shrunk.data).toEqual({ a: '1' })
  })

  test('writes a status once and skips the write when the status has not changed', async () => {
    const gadget = await apply(client, Gadgets, aGadget(namespace, 'status'))
    const status = {
      phase: 'Ready',
      observedGeneration: gadget.metadata.generation,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Created' }],
    }
    const first = await applyStatusIfChanged(client, Gadgets, gadget, status)
    expect(first.changed).toBe(true)
    expect(first.object.status).toEqual(status)
    expect(first.object.spec, 'a status write leaves the spec alone').toEqual({ partitions: 3 })

    const second = await applyStatusIfChanged(client, Gadgets, first.object, { ...status })
    expect(second.changed).toBe(false)
    const stored = await getObject(client, Gadgets, 'status', namespace)
    expect(stored?.metadata.resourceVersion).toBe(first.object.metadata.resourceVersion)

    const third = await applyStatusIfChanged(client, Gadgets, first.object, {
      ...status,
      phase: 'Updating',
    })
    expect(third.changed).toBe(true)
    expect(third.object.status.phase).toBe('Updating')
  })

  test('refuses a status write for an object that does not exist with NotFound', async () => {
    const write = applyStatus(client, Gadgets, aGadget(namespace, 'ghost'), { phase: 'Ready' })
    await expect(write).rejects.toSatisfy(isNotFound)
  })

  test('reports an object that breaks the schema as Invalid', async () => {
    const write = apply(client, Gadgets, aGadget(namespace, 'broken', 0))
    await expect(write).rejects.toSatisfy(isInvalid)
    await expect(write).rejects.toThrow(/spec.partitions/)
  })

  test('adds and removes a finalizer, and refuses to do so from a stale copy with Conflict', async () => {
    const gadget = await apply<KubeObject>(client, Gadgets, aGadget(namespace, 'finalized'))
    const withFinalizer = await addFinalizer(client, Gadgets, gadget, 'fjord.dev/kafka')
    expect(withFinalizer.metadata.finalizers).toEqual(['fjord.dev/kafka'])
    expect(await addFinalizer(client, Gadgets, withFinalizer, 'fjord.dev/kafka')).toBe(
      withFinalizer,
    )

    const stale = addFinalizer(client, Gadgets, gadget, 'fjord.dev/other')
    await expect(stale).rejects.toSatisfy(isConflict)

    await deleteObject(client, Gadgets, 'finalized', namespace)
    const deleting = await getObject(client, Gadgets, 'finalized', namespace)
    expect(deleting?.metadata.deletionTimestamp, 'held by the finalizer').toBeTruthy()
    if (!deleting) throw new Error('unreachable')
    await removeFinalizer(client, Gadgets, deleting, 'fjord.dev/kafka')
    await expect
      .poll(() => getObject(client, Gadgets, 'finalized', namespace), { timeout: 10_000 })
      .toBeUndefined()
  })

  test('deletes an owner and the garbage collector deletes what it owns', async () => {
    const owner = await apply(client, ConfigMaps, { metadata: { name: 'owner', namespace } })
    await apply(client, ConfigMaps, {
      metadata: {
        name: 'dependent',
        namespace,
        ownerReferences: [controllerReference(ConfigMaps, owner)],
      },
    })
    expect(
      await deleteObject(client, ConfigMaps, 'owner', namespace, {
        propagationPolicy: 'Background',
        uid: owner.metadata.uid,
      }),
    ).toBe(true)
    await expect
      .poll(() => getObject(client, ConfigMaps, 'dependent', namespace), { timeout: 30_000 })
      .toBeUndefined()
  })

  test('treats deleting an object that is already gone as done', async () => {
    expect(await deleteObject(client, Gadgets, 'never-was', namespace)).toBe(false)
    expect(await getObject(client, Gadgets, 'never-was', namespace)).toBeUndefined()
  })

  test('refuses to delete a namesake created since, when given the old uid', async () => {
    const first = await apply(client, ConfigMaps, { metadata: { name: 'reborn', namespace } })
    await deleteObject(client, ConfigMaps, 'reborn', namespace)
    await apply(client, ConfigMaps, { metadata: { name: 'reborn', namespace } })
    const stale = deleteObject(client, ConfigMaps, 'reborn', namespace, {
      uid: first.metadata.uid,
    })
    await expect(stale).rejects.toSatisfy(isConflict)
    await expect(stale).rejects.toBeInstanceOf(KubeError)
  })
})

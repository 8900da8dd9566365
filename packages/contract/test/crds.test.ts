import { KubeClient } from '@fjord/kube/client'
import { readStackEnv } from '@fjord/stack/env'
import { uniqueName } from '@fjord/testing/names'
import { aPool, aSharedCluster, aTopic, aUser, everyField } from '@fjord/testing/resources'
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { installCrds, loadCrds } from '../src/install.ts'
import { passwordSecretKey, sharedKafkaPrefix } from '../src/naming.ts'
import { reasons } from '../src/reasons.ts'
import { type FjordResource, group, phases, plurals, version } from '../src/types.ts'

type Schema = {
  type?: string
  properties?: Record<string, Schema>
  items?: Schema
  additionalProperties?: Schema
  enum?: unknown[]
  default?: unknown
  pattern?: string
  minLength?: number
  maxLength?: number
}

/** Every leaf path a schema declares: `spec.acls[].resource.name`, `spec.config{}`. */
function schemaPaths(schema: Schema, prefix: string): string[] {
  if (schema.properties) {
    return Object.entries(schema.properties).flatMap(([key, sub]) =>
      schemaPaths(sub, `${prefix}.${key}`),
    )
  }
  if (schema.items) return schemaPaths(schema.items, `${prefix}[]`)
  if (schema.additionalProperties) return [`${prefix}{}`]
  return [prefix]
}

/** The same paths, read off a value; maps are told apart by the schema. */
function valuePaths(value: unknown, schema: Schema, prefix: string): string[] {
  if (schema.additionalProperties) return [`${prefix}{}`]
  if (Array.isArray(value))
    return value.flatMap((v) => valuePaths(v, schema.items ?? {}, `${prefix}[]`))
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, v]) =>
      valuePaths(v, schema.properties?.[key] ?? {}, `${prefix}.${key}`),
    )
  }
  return [prefix]
}

const crds = new Map(
  loadCrds().map((crd) => {
    const c = crd as unknown as {
      spec: {
        names: { kind: FjordResource['kind'] }
        versions: { schema: { openAPIV3Schema: Schema } }[]
      }
    }
    const root = c.spec.versions[0]?.schema.openAPIV3Schema.properties ?? {}
    return [c.spec.names.kind, { spec: root.spec ?? {}, status: root.status ?? {} }]
  }),
)

describe('the CRDs and their TypeScript types', () => {
  test.each(Object.keys(plurals) as FjordResource['kind'][])(
    'the %s fixtures set exactly the fields its schema declares',
    (kind) => {
      const schema = crds.get(kind)
      expect(schema, `no CRD for ${kind}`).toBeDefined()
      if (!schema) return
      const declared = new Set([
        ...schemaPaths(schema.spec, 'spec'),
        ...schemaPaths(schema.status, 'status'),
      ])
      const used = new Set(
        everyField[kind].flatMap((r: FjordResource) => [
          ...valuePaths(r.spec, schema.spec, 'spec'),
          ...valuePaths(r.status, schema.status, 'status'),
        ]),
      )
      expect(
        [...used].filter((p) => !declared.has(p)),
        'typed fields the schema lacks',
      ).toEqual([])
      expect(
        [...declared].filter((p) => !used.has(p)),
        'schema fields no typed fixture sets',
      ).toEqual([])
    },
  )
})

describe("the CRDs and the contract's constants", () => {
  const kinds = Object.keys(plurals) as FjordResource['kind'][]
  const schemaOf = (kind: FjordResource['kind']) => {
    const schema = crds.get(kind)
    if (!schema) throw new Error(`no CRD for ${kind}`)
    return schema
  }

  test.each(kinds)('%s takes exactly the phases the types name', (kind) => {
    expect(schemaOf(kind).status.properties?.phase?.enum).toEqual([...phases])
  })

  test.each(kinds)('%s takes every condition reason', (kind) => {
    const reason = schemaOf(kind).status.properties?.conditions?.items?.properties?.reason
    const maxLength = reason?.maxLength ?? 0
    expect(Object.values(reasons).filter((r) => r.length > maxLength)).toEqual([])
  })

  test("a KafkaUser's password key defaults to the one the api writes", () => {
    const ref = schemaOf('KafkaUser').spec.properties?.authentication?.properties?.passwordSecretRef
    expect(ref?.properties?.key?.default).toBe(passwordSecretKey)
  })

  test('a shared Kafka prefix is one the KafkaCluster takes', () => {
    const field = schemaOf('KafkaCluster').spec.properties?.kafkaPrefix ?? {}
    const prefix = sharedKafkaPrefix('acme', 'main')
    expect(prefix).toMatch(new RegExp(field.pattern ?? '^$'))
    expect(prefix.length).toBeGreaterThanOrEqual(field.minLength ?? 0)
  })
})

describe('the CRDs in the kube-apiserver', () => {
  const kc = new KubeConfig()
  kc.loadFromFile(readStackEnv().kube.kubeconfig)
  const custom = kc.makeApiClient(CustomObjectsApi)
  const core = kc.makeApiClient(CoreV1Api)
  const namespace = uniqueName('crd-test')

  beforeAll(async () => {
    await installCrds(new KubeClient(kc))
    await core.createNamespace({ body: { metadata: { name: namespace } } })
  })
  afterAll(() => core.deleteNamespace({ name: namespace }))

  async function create(resource: FjordResource): Promise<FjordResource> {
    const plural = plurals[resource.kind]
    const body = { ...resource, status: undefined }
    if (resource.kind === 'KafkaPool') {
      return custom.createClusterCustomObject({
        group,
        version,
        plural,
        body,
        fieldValidation: 'Strict',
      })
    }
    return custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      body,
      fieldValidation: 'Strict',
    })
  }

  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

  async function writeStatus(resource: FjordResource): Promise<FjordResource> {
    const plural = plurals[resource.kind]
    const { name } = resource.metadata
    const body = { status: resource.status }
    const fieldValidation = 'Strict'
    if (resource.kind === 'KafkaPool') {
      return custom.patchClusterCustomObjectStatus(
        {
          group,
          version,
          plural,
          name,
          body,
          fieldValidation,
        },
        mergePatch,
      )
    }
    return custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace,
        plural,
        name,
        body,
        fieldValidation,
      },
      mergePatch,
    )
  }

  test('accepts every typed field, strictly, and keeps it', async () => {
    for (const resource of Object.values(everyField).flat() as FjordResource[]) {
      const created = await create(resource)
      expect(created.spec, resource.kind).toEqual(resource.spec)
      const withStatus = await writeStatus(resource)
      expect(withStatus.status, resource.kind).toEqual(resource.status)
      if (resource.kind === 'KafkaPool') {
        await custom.deleteClusterCustomObject({
          group,
          version,
          plural: 'kafkapools',
          name: resource.metadata.name,
        })
      }
    }
  })

  const nonsense: [string, FjordResource, RegExp][] = [
    ['a topic with no partitions', aTopic('c', { partitions: 0 }), /spec.partitions/],
    ['a topic name with a space', aTopic('c', { topicName: 'my orders' }), /spec.topicName/],
    ['a topic named ..', aTopic('c', { topicName: '..' }), /topicName cannot be \. or \.\./],
    [
      'an upper-case config key',
      aTopic('c', { config: { Retention: '1' } }),
      /config keys are Kafka topic config names/,
    ],
    [
      'a shared cluster on provider kubernetes',
      aSharedCluster('p', uniqueName('c'), { provider: 'kubernetes' }),
      /type shared goes with provider shared/,
    ],
    [
      'a shared cluster without a pool',
      aSharedCluster('p', uniqueName('c'), { poolRef: undefined }),
      /a shared cluster needs poolRef/,
    ],
    [
      'an ACL operation Kafka does not have',
      aUser('c', 's', {
        acls: [{ resource: { type: 'topic', name: 't' }, operations: ['Fly' as 'Read'] }],
      }),
      /spec.acls\[0\].operations\[0\]/,
    ],
    [
      'a producer byte rate under 1 KiB/s',
      aUser('c', 's', { quotas: { producerByteRate: 10 } }),
      /spec.quotas.producerByteRate/,
    ],
    ['a pool without bootstrap servers', aPool({ bootstrapServers: [] }), /spec.bootstrapServers/],
    [
      'an unknown field',
      { ...aTopic('c'), spec: { ...aTopic('c').spec, partitons: 3 } as never },
      /strict decoding error: unknown field \\*"spec\.partitons/,
    ],
  ]
  test.each(nonsense)('rejects %s', async (_, resource, message) => {
    await expect(create(resource)).rejects.toMatchObject({
      code: expect.any(Number),
      body: expect.stringMatching(message),
    })
  })

  test('refuses to change the cluster of a topic or the type of a cluster', async () => {
    const topic = aTopic('first')
    await create(topic)
    const patch = (plural: string, name: string, body: object) =>
      custom.patchNamespacedCustomObject(
        { group, version, namespace, plural, name, body },
        mergePatch,
      )
    await expect(
      patch('kafkatopics', topic.metadata.name, { spec: { clusterRef: { name: 'second' } } }),
    ).rejects.toMatchObject({
      body: expect.stringContaining('clusterRef is immutable'),
    })
    const cluster = aSharedCluster('pool')
    await create(cluster)
    await expect(
      patch('kafkaclusters', cluster.metadata.name, {
        spec: { type: 'dedicated', provider: 'kubernetes' },
      }),
    ).rejects.toMatchObject({ body: expect.stringContaining('type is immutable') })
  })
})

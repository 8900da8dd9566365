import { execFile } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { installCrds } from '@fjord/contract/install'
import { reasons } from '@fjord/contract/reasons'
import { KafkaClusters } from '@fjord/contract/resources'
import type { KafkaClusterSpec } from '@fjord/contract/types'
import { apply, deleteObject, getObject } from '@fjord/kube/apply'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import {
  ConfigMaps,
  defineResource,
  objectPath,
  PodDisruptionBudgets,
  type ResourceType,
  Secrets,
  Services,
  StatefulSets,
} from '@fjord/kube/resources'
import { loadConfig, versions } from '@fjord/stack/config'
import { readStackEnv } from '@fjord/stack/env'
import { createTestNamespace } from '@fjord/testing/kube'
import { uniqueName } from '@fjord/testing/names'
import { PatchStrategy } from '@kubernetes/client-node'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { kubernetesProvider } from '../src/providers/kubernetes.ts'
import {
  kafkaClusterId,
  type Layout,
  layoutOf,
  MAX_CLUSTER_NAME,
  type Role,
  renderConfigMap,
} from '../src/providers/kubernetes-render.ts'
import { renderStatefulSet } from '../src/providers/kubernetes-workload.ts'
import type { Cluster } from '../src/providers/provider.ts'
import type { OperatorContext } from '../src/reconcilers/context.ts'

const PersistentVolumeClaims = defineResource(
  'v1',
  'PersistentVolumeClaim',
  'persistentvolumeclaims',
)
const ServiceAccounts = defineResource('v1', 'ServiceAccount', 'serviceaccounts')
const StorageClasses = defineResource('storage.k8s.io/v1', 'StorageClass', 'storageclasses', false)
const client = KubeClient.fromFile(readStackEnv().kube.kubeconfig)
// The provider reads and writes through the client only; the rest of the context is unused.
const ctx = { client, log: pino({ level: 'silent' }) } as unknown as OperatorContext
const provider = kubernetesProvider(ctx, { pollIntervalMs: 1_000 })
const removals: (() => Promise<void>)[] = []

beforeAll(() => installCrds(client))
afterAll(async () => {
  await Promise.all(removals.map((remove) => remove()))
  client.close()
})

/** A real KafkaCluster (for its uid and generation) in a namespace of its own. */
async function aDedicatedCluster(
  dedicated: KafkaClusterSpec['dedicated'] = {},
): Promise<{ namespace: string; cluster: Cluster }> {
  const { namespace, remove } = await createTestNamespace(client, 'provider-k8s')
  removals.push(remove)
  const cluster = await applyCluster(namespace, dedicated)
  return { namespace, cluster }
}

function applyCluster(
  namespace: string,
  dedicated: KafkaClusterSpec['dedicated'],
  name = 'orders',
) {
  return apply<Cluster>(client, KafkaClusters, {
    metadata: { name, namespace },
    spec: { type: 'dedicated', provider: 'kubernetes', dedicated },
  })
}

/**
 * The StatefulSet controller's revision hash at its longest: an FNV-32 sum in decimal (up to
 * 10 digits), each character mapped into the alphabet of rand.SafeEncodeString.
 */
const longestRevisionHash = '7d8f9c6b5d'

/**
 * Asks the apiserver, as a dry run, to create the last pod and its volume claim the
 * StatefulSet controller would make from a set (neither that controller nor a kubelet runs
 * here): its name is the pod's hostname and its revision goes into a label, both held to 63
 * characters.
 */
async function createLastPodAsDryRun(set: KubeObject): Promise<void> {
  const ordinal = set.spec.replicas - 1
  const pod = `${set.metadata.name}-${ordinal}`
  const namespace = set.metadata.namespace
  const claims = (set.spec.volumeClaimTemplates ?? []) as KubeObject[]
  const dryRun = { query: { dryRun: 'All' } }
  for (const claim of claims) {
    await client.request('POST', `/api/v1/namespaces/${namespace}/persistentvolumeclaims`, {
      ...dryRun,
      body: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: `${claim.metadata.name}-${pod}`, namespace },
        spec: claim.spec,
      },
    })
  }
  await client.request('POST', `/api/v1/namespaces/${namespace}/pods`, {
    ...dryRun,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod,
        namespace,
        labels: {
          ...set.spec.template.metadata.labels,
          'controller-revision-hash': `${set.metadata.name}-${longestRevisionHash}`,
          'statefulset.kubernetes.io/pod-name': pod,
          'apps.kubernetes.io/pod-index': String(ordinal),
        },
      },
      spec: {
        ...set.spec.template.spec,
        hostname: pod,
        subdomain: set.spec.serviceName,
        volumes: [
          ...(set.spec.template.spec.volumes ?? []),
          ...claims.map((claim) => ({
            name: claim.metadata.name,
            persistentVolumeClaim: { claimName: `${claim.metadata.name}-${pod}` },
          })),
        ],
      },
    },
  })
}

const objectsOf = (controllers: boolean): [ResourceType, string][] => [
  [ConfigMaps, 'orders-kafka-config'],
  [Secrets, 'orders-kafka-admin'],
  [Services, 'orders-kafka-nodes'],
  [Services, 'orders-kafka-bootstrap'],
  [StatefulSets, 'orders-broker'],
  [PodDisruptionBudgets, 'orders-broker'],
  ...(controllers
    ? ([
        [StatefulSets, 'orders-controller'],
        [PodDisruptionBudgets, 'orders-controller'],
      ] as [ResourceType, string][])
    : []),
]

async function mustGet(type: ResourceType, name: string, namespace: string): Promise<KubeObject> {
  const object = await getObject(client, type, name, namespace)
  if (!object) throw new Error(`expected ${type.kind} ${namespace}/${name} to exist, found none`)
  return object
}

async function resourceVersions(namespace: string, controllers = false) {
  return Object.fromEntries(
    await Promise.all(
      objectsOf(controllers).map(async ([type, name]) => [
        `${type.kind}/${name}`,
        (await mustGet(type, name, namespace)).metadata.resourceVersion,
      ]),
    ),
  )
}

async function passwordOf(namespace: string): Promise<string> {
  const secret = await mustGet(Secrets, 'orders-kafka-admin', namespace)
  return Buffer.from(secret.data.password, 'base64').toString('utf8')
}

/** What the StatefulSet controller and the kubelets would report; neither runs here. */
async function reportReady(namespace: string, name: string, readyReplicas?: number) {
  const set = await mustGet(StatefulSets, name, namespace)
  await client.request('PATCH', `${objectPath(StatefulSets, name, namespace)}/status`, {
    body: {
      status: {
        replicas: set.spec.replicas,
        readyReplicas: readyReplicas ?? set.spec.replicas,
        observedGeneration: set.metadata.generation,
      },
    },
    contentType: PatchStrategy.MergePatch,
  })
}

describe('the kubernetes provider against the real apiserver', () => {
  test('renders a combined cluster whose every object is labelled and owned by the KafkaCluster', async () => {
    const { namespace, cluster } = await aDedicatedCluster({
      brokers: 3,
      storage: '20Gi',
      version: '4.1.1',
    })
    await provider.reconcile(cluster)

    for (const [type, name] of objectsOf(false)) {
      const object = await mustGet(type, name, namespace)
      expect(object.metadata.ownerReferences, `${type.kind} ${name} owner`).toEqual([
        {
          apiVersion: 'fjord.dev/v1alpha1',
          kind: 'KafkaCluster',
          name: 'orders',
          uid: cluster.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ])
      expect(object.metadata.labels, `${type.kind} ${name} labels`).toMatchObject({
        'app.kubernetes.io/name': 'kafka',
        'app.kubernetes.io/instance': 'orders',
        'app.kubernetes.io/managed-by': 'fjord',
      })
    }
    expect(await getObject(client, StatefulSets, 'orders-controller', namespace)).toBeUndefined()

    const set = await mustGet(StatefulSets, 'orders-broker', namespace)
    expect(set.spec).toMatchObject({
      replicas: 3,
      serviceName: 'orders-kafka-nodes',
      podManagementPolicy: 'Parallel',
    })
    expect(set.spec.template.spec.containers[0].image).toBe('apache/kafka:4.1.1')
    expect(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi')

    const config = await mustGet(ConfigMaps, 'orders-kafka-config', namespace)
    expect(config.data['broker.properties']).toContain(
      `controller.quorum.voters=0@orders-broker-0.orders-kafka-nodes.${namespace}.svc.cluster.local:9093`,
    )
    expect((await mustGet(Services, 'orders-kafka-nodes', namespace)).spec.clusterIP).toBe('None')
    expect((await mustGet(Services, 'orders-kafka-bootstrap', namespace)).spec.ports).toEqual([
      expect.objectContaining({ port: 9092, targetPort: 'clients' }),
    ])
    expect((await mustGet(PodDisruptionBudgets, 'orders-broker', namespace)).spec).toMatchObject({
      maxUnavailable: 1,
    })
    expect(await passwordOf(namespace)).toMatch(/^[A-Za-z0-9_-]{32}$/)
  })

  test('gives a cluster of the longest name it allows objects and pods the apiserver accepts', async () => {
    const { namespace, remove } = await createTestNamespace(client, 'provider-k8s')
    removals.push(remove)
    const name = `x${'9'.repeat(MAX_CLUSTER_NAME - 1)}`
    const cluster = await applyCluster(namespace, { brokers: 12, controllers: 3 }, name)
    const result = await provider.reconcile(cluster)
    expect(result.outcome).toMatchObject({ phase: 'Provisioning', reason: reasons.NodesNotReady })
    // The pods' ServiceAccount must exist before the apiserver admits a pod, even a dry run.
    await expect
      .poll(() => getObject(client, ServiceAccounts, 'default', namespace), { timeout: 30_000 })
      .toBeDefined()
    for (const role of ['broker', 'controller']) {
      const set = await mustGet(StatefulSets, `${name}-${role}`, namespace)
      await createLastPodAsDryRun(set)
    }
  })

  test('changes nothing when it reconciles an unchanged cluster again', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 3, controllers: 3 })
    await provider.reconcile(cluster)
    const before = await resourceVersions(namespace, true)
    await provider.reconcile(cluster)
    expect(await resourceVersions(namespace, true)).toEqual(before)
  })

  test('runs dedicated controllers in a StatefulSet and a disruption budget of their own', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 2, controllers: 3 })
    const result = await provider.reconcile(cluster)
    expect(result.outcome).toMatchObject({
      phase: 'Provisioning',
      message: '0/2 brokers ready, 0/3 controllers ready',
    })
    const controllers = await mustGet(StatefulSets, 'orders-controller', namespace)
    expect(controllers.spec.replicas).toBe(3)
    expect(controllers.spec.template.spec.containers[0].env).toContainEqual({
      name: 'ROLE',
      value: 'controller',
    })
    expect((await mustGet(StatefulSets, 'orders-broker', namespace)).spec.replicas).toBe(2)
    await mustGet(PodDisruptionBudgets, 'orders-controller', namespace)
  })

  test('is Provisioning until the StatefulSet reports every broker ready, then Ready with the bootstrap address', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 3 })
    const first = await provider.reconcile(cluster)
    expect(first.outcome).toEqual({
      phase: 'Provisioning',
      ready: false,
      reason: reasons.NodesNotReady,
      message: '0/3 brokers ready',
    })
    expect(first.requeueAfterMs).toBe(1_000)
    expect(first.status?.bootstrapServers).toBeUndefined()

    await reportReady(namespace, 'orders-broker', 2)
    expect((await provider.reconcile(cluster)).outcome).toMatchObject({
      phase: 'Provisioning',
      ready: false,
      message: '2/3 brokers ready',
    })

    await reportReady(namespace, 'orders-broker')
    const done = await provider.reconcile(cluster)
    expect(done.outcome).toMatchObject({ phase: 'Ready', ready: true, reason: reasons.Reconciled })
    expect(done.status).toEqual({
      bootstrapServers: `orders-kafka-bootstrap.${namespace}.svc.cluster.local:9092`,
    })
    expect(done.requeueAfterMs).toBeUndefined()

    // More brokers: a new generation the (absent) StatefulSet controller has not seen.
    const grown = await applyCluster(namespace, { brokers: 4 })
    const growing = await provider.reconcile(grown)
    expect(growing.outcome).toMatchObject({
      phase: 'Provisioning',
      message: '3/4 brokers ready (update not yet rolled out)',
    })
  })

  test('keeps the admin password across reconciles and spec changes', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 1 })
    await provider.reconcile(cluster)
    const password = await passwordOf(namespace)
    await provider.reconcile(cluster)
    await provider.reconcile(await applyCluster(namespace, { brokers: 1, version: '4.0.0' }))
    expect(await passwordOf(namespace)).toBe(password)
    const set = await mustGet(StatefulSets, 'orders-broker', namespace)
    expect(set.spec.template.spec.containers[0].image).toBe('apache/kafka:4.0.0')
  })

  test('refuses a broker decrease and leaves the StatefulSet as it was', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 3 })
    await provider.reconcile(cluster)
    const before = await mustGet(StatefulSets, 'orders-broker', namespace)

    const result = await provider.reconcile(await applyCluster(namespace, { brokers: 2 }))
    expect(result.outcome).toMatchObject({ phase: 'Failed', reason: reasons.BrokerDecreaseRefused })
    const after = await mustGet(StatefulSets, 'orders-broker', namespace)
    expect(after.spec.replicas).toBe(3)
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion)
  })

  test('refuses a storage decrease, since volumes cannot shrink', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 1, storage: '20Gi' })
    await provider.reconcile(cluster)
    const result = await provider.reconcile(
      await applyCluster(namespace, { brokers: 1, storage: '10Gi' }),
    )
    expect(result.outcome).toMatchObject({
      phase: 'Failed',
      reason: reasons.StorageDecreaseRefused,
    })
    const set = await mustGet(StatefulSets, 'orders-broker', namespace)
    expect(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi')
  })

  test('keeps the claim template of a running set when storage grows, which the apiserver would refuse to change', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 1, storage: '10Gi' })
    await provider.reconcile(cluster)
    const result = await provider.reconcile(
      await applyCluster(namespace, { brokers: 1, storage: '20Gi' }),
    )
    expect(result.outcome.reason).toBe(reasons.NodesNotReady)
    const set = await mustGet(StatefulSets, 'orders-broker', namespace)
    expect(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi')
  })

  test('grows the bound volumes of a running set when storage grows', async () => {
    const storageClass = uniqueName('fjord-expandable')
    await apply(client, StorageClasses, {
      metadata: { name: storageClass },
      provisioner: 'example.com/none',
      allowVolumeExpansion: true,
    })
    removals.push(async () => {
      await deleteObject(client, StorageClasses, storageClass, undefined)
    })
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 2, storage: '10Gi' })
    await provider.reconcile(cluster)
    // What the StatefulSet controller and the volume binder would have made; neither runs.
    for (const i of [0, 1]) {
      const name = `data-orders-broker-${i}`
      await apply(client, PersistentVolumeClaims, {
        metadata: { name, namespace },
        spec: {
          storageClassName: storageClass,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '10Gi' } },
        },
      })
      await client.request(
        'PATCH',
        `${objectPath(PersistentVolumeClaims, name, namespace)}/status`,
        {
          body: { status: { phase: 'Bound', capacity: { storage: '10Gi' } } },
          contentType: PatchStrategy.MergePatch,
        },
      )
    }
    const result = await provider.reconcile(
      await applyCluster(namespace, { brokers: 2, storage: '20Gi' }),
    )
    expect(result.outcome.reason).toBe(reasons.NodesNotReady)
    for (const i of [0, 1]) {
      const claim = await mustGet(PersistentVolumeClaims, `data-orders-broker-${i}`, namespace)
      expect(claim.spec.resources.requests.storage, `claim ${i}`).toBe('20Gi')
    }
  })

  test('reports a volume that cannot grow', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 1, storage: '10Gi' })
    await provider.reconcile(cluster)
    // Never bound, and of no StorageClass that allows expansion.
    await apply(client, PersistentVolumeClaims, {
      metadata: { name: 'data-orders-broker-0', namespace },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
    })
    const result = await provider.reconcile(
      await applyCluster(namespace, { brokers: 1, storage: '20Gi' }),
    )
    expect(result.outcome).toMatchObject({
      phase: 'Failed',
      reason: reasons.StorageExpansionFailed,
      message: expect.stringContaining('data-orders-broker-0 cannot grow from 10Gi to 20Gi'),
    })
  })

  test('refuses to change the controller quorum of a running cluster', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 3 })
    await provider.reconcile(cluster)
    const result = await provider.reconcile(
      await applyCluster(namespace, { brokers: 3, controllers: 3 }),
    )
    expect(result.outcome).toMatchObject({ phase: 'Failed', reason: reasons.QuorumChangeRefused })
    expect(await getObject(client, StatefulSets, 'orders-controller', namespace)).toBeUndefined()
  })

  test('leaves deletion to the garbage collector, which removes every object with the KafkaCluster', async () => {
    const { namespace, cluster } = await aDedicatedCluster({ brokers: 3, controllers: 1 })
    await provider.reconcile(cluster)
    expect(await provider.remove(cluster)).toEqual({ done: true })
    await deleteObject(client, KafkaClusters, 'orders', namespace, { uid: cluster.metadata.uid })
    for (const [type, name] of objectsOf(true)) {
      await expect
        .poll(() => getObject(client, type, name, namespace), {
          timeout: 60_000,
          interval: 500,
          message: `${type.kind} ${name} should be deleted by the garbage collector`,
        })
        .toBeUndefined()
    }
  })
})

/**
 * The pods cannot run here (no kubelet), but the start-up script can: with the image's
 * paths pointed at a scratch directory and the stack's Kafka jars, it formats a volume the
 * way a pod would, which runs Kafka's own validation of the whole node configuration.
 */
describe('the rendered start-up script, run with the real Kafka tools', () => {
  const kafkaLibs = join(loadConfig().cacheDir, `kafka-${versions.kafka}`, 'libs')
  const uid = '1b4e28ba-2fa1-11d2-883f-0016d3cca427'
  const layout = (dedicated: KafkaClusterSpec['dedicated']): Layout =>
    layoutOf({
      apiVersion: 'fjord.dev/v1alpha1',
      kind: 'KafkaCluster',
      metadata: { name: 'orders', namespace: 'acme', uid },
      spec: { type: 'dedicated', provider: 'kubernetes', dedicated },
    })

  async function startNode(of: Layout, role: Role, ordinal: number, dir: string) {
    const configMap = renderConfigMap(of).data as Record<string, string>
    mkdirSync(join(dir, 'config'), { recursive: true })
    mkdirSync(join(dir, 'bin'), { recursive: true })
    for (const [file, text] of Object.entries(configMap)) {
      const local = text
        .replaceAll('/var/lib/kafka/data', join(dir, 'data'))
        .replaceAll('/etc/kafka/fjord', join(dir, 'config'))
        .replaceAll('/tmp/server.properties', join(dir, 'server.properties'))
        .replaceAll('/tmp/admin-', join(dir, 'admin-'))
        .replaceAll('/opt/kafka/bin', join(dir, 'bin'))
      writeFileSync(join(dir, 'config', file), local)
    }
    const storage = join(dir, 'bin', 'kafka-storage.sh')
    writeFileSync(
      storage,
      `#!/bin/sh\nexec java -cp '${kafkaLibs}/*' kafka.tools.StorageTool "$@"\n`,
    )
    // Stands in for the broker: keeps what it would have started with.
    const start = join(dir, 'bin', 'kafka-server-start.sh')
    writeFileSync(start, `#!/bin/sh\ncp "$1" '${join(dir, 'started.properties')}'\n`)
    // Stand in for what a broker does beside Kafka once it answers (none does here): check
    // the admin's login, found at once, after a pause that is none.
    const configs = join(dir, 'bin', 'kafka-configs.sh')
    writeFileSync(configs, `#!/bin/sh\necho "$@" >>'${join(dir, 'configs.log')}'\n`)
    const sleep = join(dir, 'bin', 'sleep')
    writeFileSync(sleep, '#!/bin/sh\n')
    for (const script of [storage, start, configs, sleep]) chmodSync(script, 0o755)

    const set = renderStatefulSet(of, { role, configHash: 'x', claimStorage: '1Gi' })
    // biome-ignore lint/suspicious/noExplicitAny: rendered objects are plain JSON
    const container = (set.spec as any).template.spec.containers[0]
    const env: Record<string, string> = {
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
      HOSTNAME: `${set.metadata.name}-${ordinal}`,
    }
    for (const e of container.env as { name: string; value?: string }[]) {
      env[e.name] = e.value ?? 'admin-secret-password'
    }
    await promisify(execFile)('sh', [join(dir, 'config', 'run.sh')], { env, timeout: 60_000 })
    const configsLog = join(dir, 'configs.log')
    return {
      started: readFileSync(join(dir, 'started.properties'), 'utf8'),
      meta: readFileSync(join(dir, 'data', 'logs', 'meta.properties'), 'utf8'),
      configs: existsSync(configsLog) ? readFileSync(configsLog, 'utf8') : '',
    }
  }

  const cases: [string, KafkaClusterSpec['dedicated'], Role, number, string, string][] = [
    ['a combined voter', { brokers: 3 }, 'broker', 0, '0', 'broker,controller'],
    ['a combined broker outside the quorum', { brokers: 5 }, 'broker', 4, '4', 'broker'],
    [
      'a dedicated controller',
      { brokers: 3, controllers: 3 },
      'controller',
      2,
      '1002',
      'controller',
    ],
    [
      'a broker beside dedicated controllers',
      { brokers: 3, controllers: 3 },
      'broker',
      1,
      '1',
      'broker',
    ],
  ]
  test.for(cases)(
    'formats %s, which Kafka accepts',
    async ([, dedicated, role, ordinal, id, roles]) => {
      const dir = mkdtempSync(join(tmpdir(), 'fjord-kraft-'))
      try {
        const node = await startNode(layout(dedicated), role, ordinal, dir)
        expect(node.meta).toContain(`node.id=${id}\n`)
        expect(node.meta).toContain(`cluster.id=${kafkaClusterId(uid)}\n`)
        expect(node.started).toContain(`process.roles=${roles}\n`)
        expect(node.started).toContain('username="admin" password="admin-secret-password";')
        // A broker checks the admin's login once Kafka answers; a controller has no listener.
        if (roles === 'controller') expect(node.configs).toBe('')
        else expect(node.configs).toContain('--describe --entity-type users --entity-name admin')
        // A restarted pod finds its volume formatted and starts all the same.
        await startNode(layout(dedicated), role, ordinal, dir)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )
})

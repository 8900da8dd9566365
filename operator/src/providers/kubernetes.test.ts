import { reasons } from '@fjord/contract/reasons'
import { apiVersion, type KafkaClusterSpec } from '@fjord/contract/types'
import type { KubeObject } from '@fjord/kube/client'
import { describe, expect, test } from 'vitest'
import { claimStorageOf, type Observed, readinessOf, refusalOf, votersOf } from './kubernetes.ts'
import {
  bootstrapServers,
  brokerProperties,
  controllerProperties,
  kafkaClusterId,
  labelsOf,
  layoutOf,
  MAX_CLUSTER_NAME,
  nameTooLong,
  quorumVoters,
  renderAdminSecret,
  renderBootstrapService,
  renderConfigMap,
  renderHeadlessService,
  rolesOf,
  startScript,
} from './kubernetes-render.ts'
import {
  configHash,
  heapOptions,
  parseQuantity,
  renderPodDisruptionBudget,
  renderStatefulSet,
} from './kubernetes-workload.ts'
import type { Cluster } from './provider.ts'

const uid = '1b4e28ba-2fa1-11d2-883f-0016d3cca427'

function aDedicatedCluster(
  dedicated: KafkaClusterSpec['dedicated'] = {},
  name = 'orders',
): Cluster {
  return {
    apiVersion,
    kind: 'KafkaCluster',
    metadata: { name, namespace: 'acme', uid, generation: 1 },
    spec: { type: 'dedicated', provider: 'kubernetes', dedicated },
  }
}

const combined = layoutOf(aDedicatedCluster({ brokers: 3, controllers: 0 }))
const split = layoutOf(aDedicatedCluster({ brokers: 4, controllers: 3 }))

/** server.properties as a map, to assert on keys rather than on line order. */
function parse(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => {
        const at = line.indexOf('=')
        return [line.slice(0, at), line.slice(at + 1)]
      }),
  )
}

const ownerReference = {
  apiVersion,
  kind: 'KafkaCluster',
  name: 'orders',
  uid,
  controller: true,
  blockOwnerDeletion: true,
}
const labels = {
  'app.kubernetes.io/name': 'kafka',
  'app.kubernetes.io/instance': 'orders',
  'app.kubernetes.io/managed-by': 'fjord',
}

describe('layoutOf', () => {
  test('fills in the CRD defaults for a cluster that never went through the apiserver', () => {
    const layout = layoutOf(aDedicatedCluster(undefined))
    expect(layout).toMatchObject({
      name: 'orders',
      namespace: 'acme',
      brokers: 3,
      controllers: 0,
      storage: '10Gi',
      version: '4.1.1',
      combinedVoters: 3,
      owner: ownerReference,
    })
  })

  test('makes one combined voter below three brokers and three from three brokers on', () => {
    expect(layoutOf(aDedicatedCluster({ brokers: 1 })).combinedVoters).toBe(1)
    expect(layoutOf(aDedicatedCluster({ brokers: 2 })).combinedVoters).toBe(1)
    expect(layoutOf(aDedicatedCluster({ brokers: 5 })).combinedVoters).toBe(3)
    expect(split.combinedVoters).toBe(0)
  })

  test('refuses to render a cluster without a uid to own its objects', () => {
    const cluster = aDedicatedCluster()
    delete cluster.metadata.uid
    expect(() => layoutOf(cluster)).toThrow(/no uid/)
  })
})

describe('quorum and addresses', () => {
  test('puts the first three combined brokers in the quorum at their pod DNS names', () => {
    expect(quorumVoters(combined)).toBe(
      [0, 1, 2]
        .map((i) => `${i}@orders-broker-${i}.orders-kafka-nodes.acme.svc.cluster.local:9093`)
        .join(','),
    )
    expect(quorumVoters(layoutOf(aDedicatedCluster({ brokers: 7 }))).split(',')).toHaveLength(3)
  })

  test('puts every dedicated controller in the quorum, with ids from 1000', () => {
    expect(quorumVoters(split)).toBe(
      [0, 1, 2]
        .map(
          (i) =>
            `${1000 + i}@orders-controller-${i}.orders-kafka-nodes.acme.svc.cluster.local:9093`,
        )
        .join(','),
    )
  })

  test('uses the configured cluster domain for the bootstrap address', () => {
    expect(bootstrapServers(combined)).toBe('orders-kafka-bootstrap.acme.svc.cluster.local:9092')
    const custom = layoutOf(aDedicatedCluster(), {
      image: 'apache/kafka',
      clusterDomain: 'k8s.example',
      adminUsername: 'admin',
    })
    expect(bootstrapServers(custom)).toBe('orders-kafka-bootstrap.acme.svc.k8s.example:9092')
  })

  test('derives a 22-character base64url Kafka cluster id from the uid, the same every time', () => {
    const id = kafkaClusterId(uid)
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(Buffer.from(id, 'base64url').toString('hex')).toBe(uid.replaceAll('-', ''))
  })

  test('refuses a cluster name too long for the names of its StatefulSets and Services', () => {
    expect(nameTooLong('a'.repeat(MAX_CLUSTER_NAME))).toBeUndefined()
    expect(nameTooLong('a'.repeat(MAX_CLUSTER_NAME + 1))).toMatch(/at most 41/)
    // That the longest name fits what Kubernetes derives from it is measured against the
    // apiserver in operator/test/provider-kubernetes.test.ts.
  })
})

describe('renderConfigMap', () => {
  test('configures brokers for SASL/SCRAM with the StandardAuthorizer and no default allow', () => {
    const props = parse(brokerProperties(combined))
    expect(props).toMatchObject({
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'SASL_PLAINTEXT',
      // The admin and brokers on SCRAM-SHA-256, users on SCRAM-SHA-512 (KAFKA-20774).
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found': 'false',
      'super.users': 'User:admin;User:ANONYMOUS',
      'controller.quorum.voters': quorumVoters(combined),
      'auto.create.topics.enable': 'false',
    })
  })

  test('leaves the per-node settings and the password to the start-up script', () => {
    const props = parse(brokerProperties(combined))
    for (const key of ['node.id', 'process.roles', 'listeners', 'advertised.listeners']) {
      expect(props, key).not.toHaveProperty(key)
    }
    expect(Object.keys(props).some((key) => key.includes('jaas'))).toBe(false)
    expect(startScript).toContain('password="$ADMIN_PASSWORD";')
  })

  test('gives every enabled mechanism its JAAS line, the admin login only the inter-broker one', () => {
    const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required'
    expect(startScript).toContain(
      `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${jaas} username="$ADMIN_USERNAME" password="$ADMIN_PASSWORD";\n`,
    )
    expect(startScript).toContain(
      `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas};\n`,
    )
  })

  test('scales replication factors and min ISR down to the brokers there are', () => {
    const factors = (brokers: number) => {
      const p = parse(brokerProperties(layoutOf(aDedicatedCluster({ brokers }))))
      return [
        p['default.replication.factor'],
        p['offsets.topic.replication.factor'],
        p['transaction.state.log.replication.factor'],
        p['min.insync.replicas'],
        p['transaction.state.log.min.isr'],
      ]
    }
    expect(factors(1)).toEqual(['1', '1', '1', '1', '1'])
    expect(factors(2)).toEqual(['2', '2', '2', '1', '1'])
    expect(factors(5)).toEqual(['3', '3', '3', '2', '2'])
  })

  test('has controller properties only with dedicated controllers, without broker settings', () => {
    expect(Object.keys(renderConfigMap(combined).data as object)).toEqual([
      'broker.properties',
      'run.sh',
    ])
    const configMap = renderConfigMap(split)
    expect(Object.keys(configMap.data as object)).toEqual([
      'broker.properties',
      'controller.properties',
      'run.sh',
    ])
    const props = parse(controllerProperties(split))
    expect(props['controller.quorum.voters']).toBe(quorumVoters(split))
    expect(props['authorizer.class.name']).toMatch(/StandardAuthorizer/)
    expect(props).not.toHaveProperty('inter.broker.listener.name')
  })

  test('is named after the cluster, labelled and owned by it', () => {
    expect(renderConfigMap(combined).metadata).toEqual({
      name: 'orders-kafka-config',
      namespace: 'acme',
      labels,
      ownerReferences: [ownerReference],
    })
  })
})

describe('startScript', () => {
  test('derives node id, roles and listeners from the ordinal and formats the volume once', () => {
    expect(startScript).toContain('node.id=$((NODE_ID_OFFSET + ordinal))')
    expect(startScript).toContain('roles=broker,controller')
    expect(startScript).toContain('format --ignore-formatted -t "$CLUSTER_ID"')
    expect(startScript).toContain(
      '--add-scram "SCRAM-SHA-256=[name=$ADMIN_USERNAME,password=$ADMIN_PASSWORD]"',
    )
    expect(startScript).toContain('exec /opt/kafka/bin/kafka-server-start.sh "$props"')
  })

  test("gives a volume formatted before the split the admin's SCRAM-SHA-256 login through its SCRAM-SHA-512 one", () => {
    const describe = startScript.indexOf('--command-config "$(login SCRAM-SHA-256)" --describe')
    const alter = startScript.indexOf('--command-config "$(login SCRAM-SHA-512)" --alter')
    expect(describe, 'a describe as the admin on SCRAM-SHA-256 first').toBeGreaterThan(0)
    expect(alter, 'then an alter through the SCRAM-SHA-512 login').toBeGreaterThan(describe)
    expect(startScript).toContain(
      '--add-config "SCRAM-SHA-256=[iterations=8192,password=$ADMIN_PASSWORD]"',
    )
    // Brokers only, in the background, before Kafka replaces the shell.
    expect(startScript).toMatch(/if \[ "\$roles" != controller \]; then \($/m)
    expect(startScript.indexOf(') & fi')).toBeLessThan(startScript.indexOf('exec /opt/kafka'))
    // Never the tenants' mechanism removed, never the password in the pod's log.
    expect(startScript).not.toContain('--delete-config')
    expect(startScript).toMatch(/--alter \$admin >\/dev\/null 2>&1/)
  })
})

describe('renderAdminSecret', () => {
  test('holds the admin username and the given password', () => {
    const secret = renderAdminSecret(combined, 's3cret')
    expect(secret.metadata.name).toBe('orders-kafka-admin')
    expect(secret.data).toEqual({
      username: Buffer.from('admin').toString('base64'),
      password: Buffer.from('s3cret').toString('base64'),
    })
    expect(secret.metadata.ownerReferences).toEqual([ownerReference])
  })
})

describe('Services', () => {
  test('publishes every pod in DNS, ready or not, through the headless Service', () => {
    const service = renderHeadlessService(split)
    expect(service.metadata.name).toBe('orders-kafka-nodes')
    expect(service.spec).toEqual({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': 'orders' },
      ports: [
        { name: 'clients', port: 9092, targetPort: 9092 },
        { name: 'controller', port: 9093, targetPort: 9093 },
      ],
    })
  })

  test('lets clients bootstrap from the brokers only', () => {
    const service = renderBootstrapService(split)
    expect(service.metadata.name).toBe('orders-kafka-bootstrap')
    expect(service.spec).toEqual({
      type: 'ClusterIP',
      selector: {
        'app.kubernetes.io/name': 'kafka',
        'app.kubernetes.io/instance': 'orders',
        'app.kubernetes.io/component': 'broker',
      },
      ports: [{ name: 'clients', port: 9092, targetPort: 'clients' }],
    })
  })
})

describe('renderStatefulSet', () => {
  const hash = configHash(renderConfigMap(split))
  // biome-ignore lint/suspicious/noExplicitAny: rendered objects are plain JSON
  const render = (layout = split, role: 'broker' | 'controller' = 'broker'): any =>
    renderStatefulSet(layout, { role, configHash: hash, claimStorage: layout.storage })

  test('runs one StatefulSet with combined roles, two with dedicated controllers', () => {
    expect(rolesOf(combined)).toEqual(['broker'])
    expect(rolesOf(split)).toEqual(['broker', 'controller'])
  })

  test('runs the brokers in parallel from apache/kafka of the version asked for', () => {
    const set = render(layoutOf(aDedicatedCluster({ brokers: 4, version: '4.0.0' })))
    expect(set.metadata).toEqual({
      name: 'orders-broker',
      namespace: 'acme',
      labels: { ...labels, 'app.kubernetes.io/component': 'broker' },
      ownerReferences: [ownerReference],
    })
    expect(set.spec).toMatchObject({
      serviceName: 'orders-kafka-nodes',
      replicas: 4,
      podManagementPolicy: 'Parallel',
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'kafka',
          'app.kubernetes.io/instance': 'orders',
          'app.kubernetes.io/component': 'broker',
        },
      },
    })
    const container = set.spec.template.spec.containers[0]
    expect(container.image).toBe('apache/kafka:4.0.0')
    expect(container.command).toEqual(['/bin/sh', '/etc/kafka/fjord/run.sh'])
    expect(container.readinessProbe.tcpSocket).toEqual({ port: 'clients' })
    expect(set.spec.template.metadata.labels).toEqual(
      expect.objectContaining(set.spec.selector.matchLabels),
    )
  })

  test('gives dedicated controllers their own set, ids from 1000 and a probe on their port', () => {
    const set = render(split, 'controller')
    expect(set.metadata.name).toBe('orders-controller')
    expect(set.spec.replicas).toBe(3)
    const container = set.spec.template.spec.containers[0]
    const env = Object.fromEntries(
      container.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
    )
    expect(env).toMatchObject({ ROLE: 'controller', NODE_ID_OFFSET: '1000', COMBINED_VOTERS: '0' })
    expect(container.readinessProbe.tcpSocket).toEqual({ port: 'controller' })
    expect(container.ports).toEqual([{ name: 'controller', containerPort: 9093 }])
  })

  test('passes node identity to the start-up script and the password from the admin Secret', () => {
    const container = render(combined).spec.template.spec.containers[0]
    expect(container.env).toEqual([
      { name: 'ROLE', value: 'broker' },
      { name: 'NODE_ID_OFFSET', value: '0' },
      { name: 'COMBINED_VOTERS', value: '3' },
      { name: 'NODE_DOMAIN', value: 'orders-kafka-nodes.acme.svc.cluster.local' },
      { name: 'CLUSTER_ID', value: kafkaClusterId(uid) },
      { name: 'ADMIN_USERNAME', value: 'admin' },
      {
        name: 'ADMIN_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'orders-kafka-admin', key: 'password' } },
      },
    ])
  })

  test('claims the storage asked for, with a volume per pod deleted along with the set', () => {
    const set = render(layoutOf(aDedicatedCluster({ storage: '50Gi' })))
    expect(set.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'data', labels: { ...labels, 'app.kubernetes.io/component': 'broker' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } },
      },
    ])
    expect(set.spec.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: 'Delete',
      whenScaled: 'Retain',
    })
    const kept = renderStatefulSet(split, { role: 'broker', configHash: hash, claimStorage: '5Gi' })
    // biome-ignore lint/suspicious/noExplicitAny: rendered objects are plain JSON
    expect((kept.spec as any).volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi')
  })

  test('sets requests, a memory limit and a heap of half the memory', () => {
    const layout = layoutOf(aDedicatedCluster({ resources: { cpu: '500m', memory: '2Gi' } }))
    const container = render(layout).spec.template.spec.containers[0]
    expect(container.resources).toEqual({
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { memory: '2Gi' },
    })
    expect(container.env).toContainEqual({ name: 'KAFKA_HEAP_OPTS', value: '-Xms1024m -Xmx1024m' })
    expect(render(combined).spec.template.spec.containers[0]).not.toHaveProperty('resources')
  })

  test('rolls the pods when the configuration changes, and only then', () => {
    const annotation = (layout = split) =>
      renderStatefulSet(layout, {
        role: 'broker',
        configHash: configHash(renderConfigMap(layout)),
        claimStorage: '1Gi',
        // biome-ignore lint/suspicious/noExplicitAny: rendered objects are plain JSON
      }).spec as any
    const same = annotation(layoutOf(aDedicatedCluster({ brokers: 4, controllers: 3 })))
    expect(same.template.metadata.annotations).toEqual(annotation().template.metadata.annotations)
    const changed = annotation(layoutOf(aDedicatedCluster({ brokers: 1, controllers: 3 })))
    expect(changed.template.metadata.annotations['fjord.dev/config-hash']).not.toBe(
      annotation().template.metadata.annotations['fjord.dev/config-hash'],
    )
  })

  test('mounts the configuration and a data volume writable by the kafka user', () => {
    const pod = render().spec.template.spec
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 })
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'data',
      mountPath: '/var/lib/kafka/data',
    })
    expect(pod.volumes).toContainEqual({
      name: 'config',
      configMap: { name: 'orders-kafka-config' },
    })
  })
})

describe('renderPodDisruptionBudget', () => {
  test('lets one pod of a role go at a time', () => {
    const pdb = renderPodDisruptionBudget(split, 'controller')
    expect(pdb.metadata.name).toBe('orders-controller')
    expect(pdb.metadata.labels).toEqual(labelsOf(split, 'controller'))
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'kafka',
          'app.kubernetes.io/instance': 'orders',
          'app.kubernetes.io/component': 'controller',
        },
      },
    })
  })
})

describe('quantities', () => {
  test('reads the binary and decimal forms of storage and memory', () => {
    expect(parseQuantity('10Gi')).toBe(10 * 2 ** 30)
    expect(parseQuantity('512Mi')).toBe(512 * 2 ** 20)
    expect(parseQuantity('1Ti')).toBe(2 ** 40)
    expect(parseQuantity('2G')).toBe(2e9)
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30)
    expect(parseQuantity('1000')).toBe(1000)
    expect(parseQuantity('lots')).toBeUndefined()
  })

  test('keeps the heap at 128 MiB or more, and leaves it to Kafka without a memory size', () => {
    expect(heapOptions('200Mi')).toBe('-Xms128m -Xmx128m')
    expect(heapOptions(undefined)).toBeUndefined()
  })
})

/** A StatefulSet as the apiserver would return it. */
function aStatefulSet(
  replicas: number,
  status: { readyReplicas?: number; observedGeneration?: number } = {},
  generation = 1,
  storage = '10Gi',
): KubeObject {
  return {
    metadata: { name: 'orders-broker', generation },
    spec: {
      replicas,
      volumeClaimTemplates: [{ spec: { resources: { requests: { storage } } } }],
    },
    status: { replicas, ...status },
  }
}

describe('refusalOf', () => {
  const observed = (over: Partial<Observed> = {}): Observed => ({
    statefulSets: { broker: aStatefulSet(3) },
    configMap: renderConfigMap(combined) as KubeObject,
    ...over,
  })

  test('accepts the same cluster again and a first creation', () => {
    expect(refusalOf(combined, observed())).toBeUndefined()
    expect(refusalOf(combined, { statefulSets: {} })).toBeUndefined()
  })

  test('refuses fewer brokers than the StatefulSet has', () => {
    const fewer = layoutOf(aDedicatedCluster({ brokers: 2 }))
    expect(refusalOf(fewer, observed())).toMatchObject({
      phase: 'Failed',
      ready: false,
      reason: reasons.BrokerDecreaseRefused,
      message: expect.stringContaining('from 3 to 2'),
    })
  })

  test('accepts more brokers when the quorum stays the same', () => {
    const more = layoutOf(aDedicatedCluster({ brokers: 5 }))
    expect(refusalOf(more, observed())).toBeUndefined()
  })

  test('refuses less storage than the volumes were made with, and accepts more', () => {
    const smaller = layoutOf(aDedicatedCluster({ storage: '5Gi' }))
    expect(refusalOf(smaller, observed())).toMatchObject({
      reason: reasons.StorageDecreaseRefused,
      message: expect.stringContaining('from 10Gi to 5Gi'),
    })
    const sameInOtherUnits = layoutOf(aDedicatedCluster({ storage: '10240Mi' }))
    expect(refusalOf(sameInOtherUnits, observed())).toBeUndefined()
    expect(refusalOf(layoutOf(aDedicatedCluster({ storage: '1Ti' })), observed())).toBeUndefined()
  })

  test('refuses a change of the controller quorum of a running cluster', () => {
    expect(refusalOf(split, observed())).toMatchObject({ reason: reasons.QuorumChangeRefused })
    const grown = layoutOf(aDedicatedCluster({ brokers: 3 }))
    const fromOne = observed({
      configMap: renderConfigMap(layoutOf(aDedicatedCluster({ brokers: 1 }))) as KubeObject,
      statefulSets: { broker: aStatefulSet(1) },
    })
    expect(refusalOf(grown, fromOne)).toMatchObject({
      reason: reasons.QuorumChangeRefused,
      message: expect.stringContaining('(1 voters)'),
    })
  })

  test('reads the voters and the claim size back from what was applied', () => {
    expect(votersOf(renderConfigMap(split) as KubeObject)).toBe(quorumVoters(split))
    expect(votersOf(undefined)).toBeUndefined()
    expect(claimStorageOf(aStatefulSet(1, {}, 1, '7Gi'))).toBe('7Gi')
    expect(claimStorageOf(undefined)).toBeUndefined()
  })
})

describe('readinessOf', () => {
  test('is Provisioning while no broker is ready', () => {
    expect(readinessOf(combined, { broker: aStatefulSet(3) })).toEqual({
      phase: 'Provisioning',
      ready: false,
      reason: reasons.NodesNotReady,
      message: '0/3 brokers ready',
    })
  })

  test('counts ready brokers and controllers separately', () => {
    const outcome = readinessOf(split, {
      broker: aStatefulSet(4, { readyReplicas: 4, observedGeneration: 1 }),
      controller: aStatefulSet(3, { readyReplicas: 2, observedGeneration: 1 }),
    })
    expect(outcome).toMatchObject({
      ready: false,
      message: '4/4 brokers ready, 2/3 controllers ready',
    })
  })

  test('is Ready when every set has all replicas ready at its latest generation', () => {
    expect(
      readinessOf(split, {
        broker: aStatefulSet(4, { readyReplicas: 4, observedGeneration: 2 }, 2),
        controller: aStatefulSet(3, { readyReplicas: 3, observedGeneration: 1 }),
      }),
    ).toEqual({
      phase: 'Ready',
      ready: true,
      reason: reasons.Reconciled,
      message: '4/4 brokers ready, 3/3 controllers ready',
    })
  })

  test('waits for a changed spec to be observed even when the old pods are all ready', () => {
    expect(
      readinessOf(combined, {
        broker: aStatefulSet(3, { readyReplicas: 3, observedGeneration: 1 }, 2),
      }),
    ).toMatchObject({ ready: false, message: '3/3 brokers ready (update not yet rolled out)' })
  })

  test('is not Ready when a set is missing', () => {
    expect(readinessOf(split, { broker: aStatefulSet(4, { readyReplicas: 4 }) }).ready).toBe(false)
  })
})

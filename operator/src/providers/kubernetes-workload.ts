/** The StatefulSets and disruption budgets that run a dedicated cluster's nodes (pure). */
import { createHash } from 'node:crypto'
import type { ApplyObject } from '@fjord/kube/apply'
import {
  CLIENT_PORT,
  CONFIG_DIR,
  CONTROLLER_ID_OFFSET,
  CONTROLLER_PORT,
  DATA_DIR,
  kafkaClusterId,
  type Layout,
  labelsOf,
  metadataOf,
  namesOf,
  nodeDomain,
  type Role,
  selectorOf,
} from './kubernetes-render.ts'

/** The apache/kafka image runs as appuser (1000); the volume must be writable by it. */
const KAFKA_UID = 1000

/** Short hash of the configuration, in the pod template so that a change rolls the pods. */
export function configHash(configMap: ApplyObject): string {
  return createHash('sha256').update(JSON.stringify(configMap.data)).digest('hex').slice(0, 16)
}

/** The JVM heap: half the memory limit, the rest for page cache, metaspace and threads. */
export function heapOptions(memory: string | undefined): string | undefined {
  const bytes = memory === undefined ? undefined : parseQuantity(memory)
  if (bytes === undefined) return undefined
  const mib = Math.max(128, Math.floor(bytes / 2 / 2 ** 20))
  return `-Xms${mib}m -Xmx${mib}m`
}

function resourcesOf(layout: Layout) {
  const { cpu, memory } = layout.resources
  const requests = {
    ...(cpu ? { cpu } : {}),
    ...(memory ? { memory } : {}),
  }
  if (Object.keys(requests).length === 0) return undefined
  return { requests, ...(memory ? { limits: { memory } } : {}) }
}

export interface StatefulSetInput {
  role: Role
  /** The config hash of the ConfigMap applied alongside. */
  configHash: string
  /**
   * The volume size in the claim template. Claim templates are immutable: once the set
   * exists this stays what it was created with, and larger volumes come from expanding the
   * claims themselves.
   */
  claimStorage: string
}

export function renderStatefulSet(layout: Layout, input: StatefulSetInput): ApplyObject {
  const { role } = input
  const names = namesOf(layout.name)
  const port = role === 'broker' ? 'clients' : 'controller'
  const heap = heapOptions(layout.resources.memory)
  const resources = resourcesOf(layout)
  const env = [
    { name: 'ROLE', value: role },
    { name: 'NODE_ID_OFFSET', value: String(role === 'broker' ? 0 : CONTROLLER_ID_OFFSET) },
    { name: 'COMBINED_VOTERS', value: String(layout.combinedVoters) },
    { name: 'NODE_DOMAIN', value: nodeDomain(layout) },
    { name: 'CLUSTER_ID', value: kafkaClusterId(layout.owner.uid) },
    { name: 'ADMIN_USERNAME', value: layout.options.adminUsername },
    {
      name: 'ADMIN_PASSWORD',
      valueFrom: { secretKeyRef: { name: names.adminSecret, key: 'password' } },
    },
    ...(heap ? [{ name: 'KAFKA_HEAP_OPTS', value: heap }] : []),
  ]
  return {
    metadata: metadataOf(layout, names.statefulSet(role), role),
    spec: {
      serviceName: names.headless,
      replicas: role === 'broker' ? layout.brokers : layout.controllers,
      // Nodes of a quorum must start together; one at a time would wait forever for peers.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selectorOf(layout, role) },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      template: {
        metadata: {
          labels: labelsOf(layout, role),
          annotations: { 'fjord.dev/config-hash': input.configHash },
        },
        spec: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: KAFKA_UID,
            runAsGroup: KAFKA_UID,
            fsGroup: KAFKA_UID,
          },
          terminationGracePeriodSeconds: 120,
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: selectorOf(layout) },
                  },
                },
              ],
            },
          },
          containers: [
            {
              name: 'kafka',
              image: `${layout.options.image}:${layout.version}`,
              command: ['/bin/sh', `${CONFIG_DIR}/run.sh`],
              env,
              ports: [
                ...(role === 'broker' ? [{ name: 'clients', containerPort: CLIENT_PORT }] : []),
                { name: 'controller', containerPort: CONTROLLER_PORT },
              ],
              readinessProbe: {
                tcpSocket: { port },
                initialDelaySeconds: 5,
                periodSeconds: 5,
                failureThreshold: 3,
              },
              ...(resources ? { resources } : {}),
              volumeMounts: [
                { name: 'data', mountPath: DATA_DIR },
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: names.config } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels: labelsOf(layout, role) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: input.claimStorage } },
          },
        },
      ],
    },
  }
}

export function renderPodDisruptionBudget(layout: Layout, role: Role): ApplyObject {
  return {
    metadata: metadataOf(layout, namesOf(layout.name).pdb(role), role),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorOf(layout, role) } },
  }
}

const suffixes: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
}

/** A Kubernetes quantity in bytes (the forms storage and memory come in); undefined if not one. */
export function parseQuantity(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(quantity.trim())
  if (!match) return undefined
  return Number(match[1]) * (suffixes[match[2] ?? ''] ?? 1)
}

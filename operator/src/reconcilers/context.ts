import { finalizer } from '@fjord/contract/metadata'
import { type Reason, readyCondition, reasons } from '@fjord/contract/reasons'
import { KafkaClusters, KafkaPools, KafkaTopics, KafkaUsers } from '@fjord/contract/resources'
import type {
  FjordResource,
  KafkaCluster,
  KafkaPool,
  KafkaTopic,
  KafkaUser,
  Phase,
} from '@fjord/contract/types'
import { applyStatusIfChanged } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { setCondition } from '@fjord/kube/conditions'
import type { Informer } from '@fjord/kube/informer'
import { controllerReference, objectPath, type ResourceType } from '@fjord/kube/resources'
import { PatchStrategy } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { TopicCreateBatcher } from '../kafka/batcher.ts'
import type { KafkaConnections } from '../kafka/connections.ts'
import { KafkaAdminError } from '../kafka/errors.ts'
import { kafkaAdminErrorsTotal } from '../kube/metrics.ts'

const types = {
  KafkaPool: KafkaPools,
  KafkaCluster: KafkaClusters,
  KafkaTopic: KafkaTopics,
  KafkaUser: KafkaUsers,
}

/** What every reconciler reads and writes through. */
export interface OperatorContext {
  client: KubeClient
  informers: {
    pools: Informer<KafkaPool & KubeObject>
    clusters: Informer<KafkaCluster & KubeObject>
    topics: Informer<KafkaTopic & KubeObject>
    users: Informer<KafkaUser & KubeObject>
  }
  kafka: KafkaConnections
  batcher: TopicCreateBatcher
  log: Logger
}

/** How a reconcile ended, as the Ready condition tells it. */
export interface Outcome {
  phase: Phase
  ready: boolean
  reason: Reason
  message: string
}

export const ready = (message: string, reason: Reason = reasons.Reconciled): Outcome => ({
  phase: 'Ready',
  ready: true,
  reason,
  message,
})
export const failed = (reason: Reason, message: string): Outcome => ({
  phase: 'Failed',
  ready: false,
  reason,
  message,
})
export const waiting = (reason: Reason, message: string, phase: Phase = 'Pending'): Outcome => ({
  phase,
  ready: false,
  reason,
  message,
})

/**
 * Writes the status through the status subresource, only when it changed, with the
 * generation it describes. `extra` carries the kind's own status fields. Returns the
 * resource as the apiserver has it after the write (or as given, when nothing changed), so
 * that a write guarded by resourceVersion can follow without a conflict.
 */
export async function writeStatus<R extends FjordResource>(
  ctx: OperatorContext,
  resource: R,
  outcome: Outcome,
  extra?: Partial<NonNullable<R['status']>>,
): Promise<R> {
  const generation = resource.metadata.generation
  const conditions = setCondition(resource.status?.conditions, {
    type: readyCondition,
    status: outcome.ready ? 'True' : 'False',
    reason: outcome.reason,
    message: outcome.message,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  })
  const status = {
    ...resource.status,
    ...extra,
    phase: outcome.phase,
    conditions,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  }
  const { object } = await applyStatusIfChanged(
    ctx.client,
    types[resource.kind],
    resource as unknown as KubeObject,
    status,
  )
  return object as unknown as R
}

/** The cluster a topic or user belongs to, and the pool under it, from the informer caches. */
export function clusterOf(
  ctx: OperatorContext,
  resource: KafkaTopic | KafkaUser,
):
  | { outcome: Outcome }
  | { cluster: KafkaCluster & KubeObject; pool: KafkaPool & KubeObject; prefix: string } {
  const cluster = ctx.informers.clusters.get(
    `${resource.metadata.namespace}/${resource.spec.clusterRef.name}`,
  )
  if (cluster?.spec.type === 'dedicated') {
    return {
      outcome: failed(
        reasons.DedicatedClusterNotSupported,
        `KafkaCluster ${cluster.metadata.name} is dedicated; this operator manages topics and users on shared clusters only`,
      ),
    }
  }
  const prefix = cluster?.status?.kafkaPrefix
  const pool = cluster?.status?.pool ? ctx.informers.pools.get(cluster.status.pool) : undefined
  if (cluster?.status?.phase !== 'Ready' || prefix === undefined || !pool) {
    return {
      outcome: waiting(
        reasons.ClusterNotReady,
        `KafkaCluster ${resource.spec.clusterRef.name} ${cluster ? 'is not Ready yet' : 'does not exist'}`,
      ),
    }
  }
  return { cluster, pool, prefix }
}

/**
 * Before anything is made in Kafka, one metadata patch (guarded by resourceVersion) puts on
 * the cleanup finalizer and makes the cluster the controller owner (deleting the cluster lets
 * the garbage collector delete its topics and users). Nothing is written when both are
 * already in place.
 */
export async function prepare<T extends (KafkaTopic | KafkaUser) & KubeObject>(
  ctx: OperatorContext,
  type: ResourceType,
  resource: T,
  cluster: KafkaCluster & KubeObject,
): Promise<T> {
  const {
    name,
    namespace,
    resourceVersion,
    finalizers = [],
    ownerReferences = [],
  } = resource.metadata
  const owned = ownerReferences.some((o) => o.uid === cluster.metadata.uid)
  if (finalizers.includes(finalizer) && owned) return resource
  // A merge patch, not an apply: an apply of metadata alone is refused for its missing spec.
  return ctx.client.request<T>('PATCH', objectPath(type, name, namespace), {
    body: {
      metadata: {
        resourceVersion,
        finalizers: finalizers.includes(finalizer) ? finalizers : [...finalizers, finalizer],
        ownerReferences: owned
          ? ownerReferences
          : [...ownerReferences, controllerReference(KafkaClusters, cluster)],
      },
    },
    contentType: PatchStrategy.MergePatch,
  })
}

/**
 * The pool a topic or user being deleted lives on: its cluster waits for it (see the cluster
 * reconciler), so the pool is known unless someone removed the cluster's finalizer by hand.
 */
export function poolOfDeleted(
  ctx: OperatorContext,
  resource: KafkaTopic | KafkaUser,
  what: string,
) {
  const cluster = ctx.informers.clusters.get(
    `${resource.metadata.namespace}/${resource.spec.clusterRef.name}`,
  )
  const pool = cluster?.status?.pool ? ctx.informers.pools.get(cluster.status.pool) : undefined
  if (!pool)
    throw new Error(`cannot clean up ${what}: the cluster or pool of this resource is gone`)
  return pool
}

/**
 * The phase while a change waits for Kafka to answer again: Updating for what already
 * existed, Provisioning for what never became Ready. Never Ready, whose condition says False.
 */
export function retryingPhase(resource: FjordResource): Phase {
  const phase = resource.status?.phase
  return phase === 'Ready' || phase === 'Updating' ? 'Updating' : 'Provisioning'
}

/** Counts a failed Kafka call in /metrics and names the condition reason for the failure. */
export function failureReason(
  kind: FjordResource['kind'],
  error: unknown,
): typeof reasons.KafkaUnavailable | typeof reasons.ReconcileError {
  if (!(error instanceof KafkaAdminError)) return reasons.ReconcileError
  kafkaAdminErrorsTotal.inc({ operation: kind, error: error.id })
  return reasons.KafkaUnavailable
}

import { finalizer } from '@fjord/contract/metadata'
import { sharedKafkaPrefix } from '@fjord/contract/naming'
import { reasons } from '@fjord/contract/reasons'
import { KafkaClusters, KafkaTopics, KafkaUsers } from '@fjord/contract/resources'
import type { KafkaCluster } from '@fjord/contract/types'
import { addFinalizer, deleteObject, removeFinalizer } from '@fjord/kube/apply'
import type { KubeObject } from '@fjord/kube/client'
import type { Reconcile } from '../kube/controller.ts'
import { kubernetesProvider } from '../providers/kubernetes.ts'
import type { ClusterProvider } from '../providers/provider.ts'
import { failed, type OperatorContext, ready, waiting, writeStatus } from './context.ts'

/**
 * Every Kafka name a shared cluster owns starts with this: the spec's, which Fjord's api sets
 * from the org's and the cluster's names (the namespace is named from the org's id), else
 * `<namespace>-<name>.`. Two clusters can come to the same prefix (namespace a-b with
 * cluster c, namespace a with cluster b-c): the second is refused.
 */
export function sharedPrefix(cluster: KafkaCluster): string {
  return (
    cluster.spec.kafkaPrefix ??
    sharedKafkaPrefix(cluster.metadata.namespace ?? '', cluster.metadata.name)
  )
}

type DedicatedProvider = Exclude<KafkaCluster['spec']['provider'], 'shared'>

/**
 * The providers of dedicated clusters, each made on first use: the AWS SDK is loaded only
 * by an operator that has an aws-msk cluster to look after.
 */
function dedicatedProviders(
  ctx: OperatorContext,
): (name: DedicatedProvider) => Promise<ClusterProvider> {
  const made = new Map<DedicatedProvider, Promise<ClusterProvider>>()
  const make: Record<DedicatedProvider, () => Promise<ClusterProvider>> = {
    kubernetes: async () => kubernetesProvider(ctx),
    'aws-msk': async () => (await import('../providers/aws-msk.ts')).awsMskProvider(),
  }
  return (name) => {
    let provider = made.get(name)
    if (!provider) {
      provider = make[name]()
      made.set(name, provider)
    }
    return provider
  }
}

/**
 * A shared cluster is a prefix on a pool: Ready with its bootstrap servers and prefix once
 * the pool is Ready. A dedicated cluster is whatever its provider makes of it.
 */
export function clusterReconciler(ctx: OperatorContext): Reconcile {
  const providerFor = dedicatedProviders(ctx)
  return async (key, signal) => {
    const cached = ctx.informers.clusters.get(key)
    if (!cached) return
    if (cached.metadata.deletionTimestamp) {
      const provider =
        cached.spec.provider === 'shared' ? undefined : await providerFor(cached.spec.provider)
      return deleteCluster(ctx, cached, provider, signal)
    }
    const cluster = await addFinalizer(ctx.client, KafkaClusters, cached, finalizer)
    if (cluster.spec.provider !== 'shared') {
      const result = await (await providerFor(cluster.spec.provider)).reconcile(cluster, signal)
      await writeStatus(ctx, cluster, result.outcome, result.status)
      return result.requeueAfterMs === undefined
        ? undefined
        : { requeueAfterMs: result.requeueAfterMs }
    }
    const poolName = cluster.spec.poolRef?.name ?? ''
    const pool = ctx.informers.pools.get(poolName)
    if (!pool) {
      await writeStatus(
        ctx,
        cluster,
        failed(reasons.PoolNotFound, `KafkaPool ${poolName} does not exist`),
      )
      return { requeueAfterMs: 30_000 }
    }
    if (pool.status?.phase !== 'Ready') {
      await writeStatus(
        ctx,
        cluster,
        waiting(reasons.PoolNotReady, `KafkaPool ${poolName} is not Ready yet`, 'Provisioning'),
      )
      return { requeueAfterMs: 2_000 }
    }
    const prefix = sharedPrefix(cluster)
    const holder = ctx.informers.clusters
      .list()
      .find(
        (other) =>
          other.metadata.uid !== cluster.metadata.uid &&
          other.status?.pool === poolName &&
          other.status?.kafkaPrefix === prefix,
      )
    if (holder) {
      await writeStatus(
        ctx,
        cluster,
        failed(
          reasons.PrefixTaken,
          `KafkaCluster ${holder.metadata.namespace}/${holder.metadata.name} already holds the prefix ${prefix} on pool ${poolName}`,
        ),
      )
      return { requeueAfterMs: 30_000 }
    }
    await writeStatus(ctx, cluster, ready(`shared cluster on pool ${poolName}`), {
      bootstrapServers: pool.spec.bootstrapServers.join(','),
      kafkaPrefix: prefix,
      pool: poolName,
    })
  }
}

/**
 * A cluster goes only after its topics and users (their finalizers need its prefix and pool
 * to clean Kafka up), and a dedicated one only after its provider removed what it made.
 */
async function deleteCluster(
  ctx: OperatorContext,
  cluster: KafkaCluster & KubeObject,
  provider: ClusterProvider | undefined,
  signal: AbortSignal,
) {
  if (!cluster.metadata.finalizers?.includes(finalizer)) return
  const { namespace, name } = cluster.metadata
  const belongs = (r: {
    metadata: { namespace?: string }
    spec: { clusterRef: { name: string } }
  }) => r.metadata.namespace === namespace && r.spec.clusterRef.name === name
  const topics = ctx.informers.topics.list().filter(belongs)
  const users = ctx.informers.users.list().filter(belongs)
  // The garbage collector would do this through owner references, but a topic that never
  // reconciled has none yet.
  for (const [type, items] of [
    [KafkaTopics, topics],
    [KafkaUsers, users],
  ] as const) {
    for (const item of items) {
      if (!item.metadata.deletionTimestamp)
        await deleteObject(ctx.client, type, item.metadata.name, namespace)
    }
  }
  const left = topics.length + users.length
  if (left > 0) {
    await writeStatus(
      ctx,
      cluster,
      waiting(
        reasons.DeletingDependents,
        `waiting for ${left} topics and users to be deleted`,
        'Deleting',
      ),
    )
    return { requeueAfterMs: 1_000 }
  }
  if (provider) {
    const removal = await provider.remove(cluster, signal)
    if (!removal.done) {
      await writeStatus(
        ctx,
        cluster,
        waiting(
          reasons.Deleting,
          `the ${cluster.spec.provider} cluster is being deleted`,
          'Deleting',
        ),
      )
      return { requeueAfterMs: removal.requeueAfterMs ?? 15_000 }
    }
  }
  await removeFinalizer(ctx.client, KafkaClusters, cluster, finalizer)
}

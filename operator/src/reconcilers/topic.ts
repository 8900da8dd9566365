import { finalizer, type KafkaTopic } from '../crds/types.ts'
import type { KafkaAdmin } from '../kafka/admin.ts'
import { KafkaAdminError } from '../kafka/errors.ts'
import { addFinalizer, getObject, removeFinalizer } from '../kube/apply.ts'
import type { KubeObject } from '../kube/client.ts'
import type { Reconcile } from '../kube/controller.ts'
import {
  clusterOf,
  ensureOwnedByCluster,
  failed,
  KafkaTopics,
  type OperatorContext,
  ready,
  waiting,
  writeStatus,
} from './context.ts'
import { type DesiredTopic, planTopic } from './topic-plan.ts'

/** Kafka's answers that retrying cannot change: the spec has to. */
const rejections = new Set([
  'INVALID_CONFIG',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_TOPIC_EXCEPTION',
  'POLICY_VIOLATION',
  'TOPIC_AUTHORIZATION_FAILED',
])

type Topic = KafkaTopic & KubeObject

export function topicReconciler(ctx: OperatorContext): Reconcile {
  return async (key) => {
    const cached = ctx.informers.topics.get(key)
    if (!cached) return
    if (cached.metadata.deletionTimestamp) return deleteTopic(ctx, cached)
    const where = clusterOf(ctx, cached)
    if ('outcome' in where) {
      await writeStatus(ctx, cached, where.outcome)
      return { requeueAfterMs: 2_000 }
    }
    // The finalizer goes on before anything exists in Kafka, so nothing made can be orphaned.
    let topic = await addFinalizer<Topic>(ctx.client, KafkaTopics, cached, finalizer)
    topic = await ensureOwnedByCluster(ctx, KafkaTopics, topic, where.cluster)
    const admin = await ctx.kafka.forPool(where.pool)
    const desired: DesiredTopic = {
      name: `${where.prefix}${topic.spec.topicName ?? topic.metadata.name}`,
      partitions: topic.spec.partitions,
      replicationFactor: topic.spec.replicationFactor ?? 1,
      config: topic.spec.config ?? {},
    }
    try {
      return await converge(ctx, admin, topic, desired)
    } catch (error) {
      const reason = error instanceof KafkaAdminError ? 'KafkaUnavailable' : 'ReconcileError'
      await writeStatus(
        ctx,
        topic,
        waiting(reason, `${(error as Error).message}; retrying`, topic.status?.phase ?? 'Pending'),
      )
      throw error
    }
  }
}

async function converge(
  ctx: OperatorContext,
  admin: KafkaAdmin,
  cached: Topic,
  desired: DesiredTopic,
) {
  let topic = cached
  const actual = await admin.describeTopic(desired.name)
  if (actual && topic.status?.topicName === undefined) {
    // The cache may not have seen the status written before the create yet: ask the apiserver.
    topic =
      (await getObject<Topic>(
        ctx.client,
        KafkaTopics,
        topic.metadata.name,
        topic.metadata.namespace,
      )) ?? topic
    if (topic.status?.topicName === undefined) {
      await writeStatus(
        ctx,
        topic,
        failed(
          'TopicExistsOutsideFjord',
          `Kafka already has a topic ${desired.name} that Fjord did not create; it is left as it is`,
        ),
      )
      return
    }
  }
  const plan = planTopic(desired, actual, topic.status?.topicName)
  switch (plan.kind) {
    case 'refuse': {
      const [first] = plan.refusals
      await writeStatus(
        ctx,
        topic,
        failed(first?.reason ?? 'Refused', plan.refusals.map((r) => r.message).join('; ')),
      )
      return
    }
    case 'create': {
      // Record the name before creating, so a crash between the two cannot make our own
      // topic look like one made outside Fjord.
      await writeStatus(
        ctx,
        topic,
        waiting('Creating', `creating ${desired.name}`, 'Provisioning'),
        { topicName: desired.name },
      )
      const result = await ctx.batcher.create(admin, desired)
      if (!result.ok && result.error.id === 'TOPIC_ALREADY_EXISTS') return { requeueAfterMs: 0 }
      if (!result.ok && rejections.has(result.error.id)) {
        await writeStatus(ctx, topic, failed('KafkaRejected', result.error.message), {
          topicName: desired.name,
        })
        return
      }
      if (!result.ok) throw result.error
      await writeStatus(ctx, topic, ready(`${desired.name} has ${desired.partitions} partitions`), {
        topicName: desired.name,
        topicId: result.topicId,
        partitions: desired.partitions,
      })
      return
    }
    case 'update':
      if (plan.partitions !== undefined) await admin.createPartitions(desired.name, plan.partitions)
      await admin.alterTopicConfig(desired.name, plan.set, plan.reset)
      break
    case 'none':
      break
  }
  await writeStatus(ctx, topic, ready(`${desired.name} has ${desired.partitions} partitions`), {
    topicName: desired.name,
    topicId: actual?.topicId,
    partitions: desired.partitions,
  })
}

/** Deletes the Kafka topic this resource made (never one it found), then lets the resource go. */
async function deleteTopic(ctx: OperatorContext, topic: Topic) {
  if (!topic.metadata.finalizers?.includes(finalizer)) return
  // status.topicName is written only for a topic Fjord creates or created.
  const made = topic.status?.topicName
  if (made !== undefined) {
    const cluster = ctx.informers.clusters.get(
      `${topic.metadata.namespace}/${topic.spec.clusterRef.name}`,
    )
    const pool = cluster?.status?.pool ? ctx.informers.pools.get(cluster.status.pool) : undefined
    if (!pool) throw new Error(`cannot delete ${made}: the cluster or pool of this topic is gone`)
    await writeStatus(ctx, topic, waiting('Deleting', `deleting ${made}`, 'Deleting'))
    await (await ctx.kafka.forPool(pool)).deleteTopic(made)
  }
  await removeFinalizer(ctx.client, KafkaTopics, topic, finalizer)
}

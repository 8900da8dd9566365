import { KafkaTopics } from '../crds/resources.ts'
import { finalizer, type KafkaTopic } from '../crds/types.ts'
import type { KafkaAdmin } from '../kafka/admin.ts'
import { removeFinalizer } from '../kube/apply.ts'
import type { KubeObject } from '../kube/client.ts'
import type { Reconcile } from '../kube/controller.ts'
import {
  clusterOf,
  failed,
  failureReason,
  type OperatorContext,
  poolOfDeleted,
  prepare,
  ready,
  retryingPhase,
  waiting,
  writeStatus,
} from './context.ts'
import { type DesiredTopic, planTopic } from './topic-plan.ts'

/**
 * The Kafka topic a KafkaTopic made: written before the create, so a crash between the two
 * cannot make Fjord's own topic look like one made outside it, and kept through renames.
 */
export const kafkaNameAnnotation = 'fjord.dev/kafka-name'

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
      return where.outcome.phase === 'Failed' ? undefined : { requeueAfterMs: 2_000 }
    }
    const admin = await ctx.kafka.forPool(where.pool)
    const desired: DesiredTopic = {
      name: `${where.prefix}${cached.spec.topicName ?? cached.metadata.name}`,
      partitions: cached.spec.partitions,
      replicationFactor: cached.spec.replicationFactor ?? 1,
      config: cached.spec.config ?? {},
    }
    try {
      return await converge(ctx, admin, cached, desired, where.cluster)
    } catch (error) {
      const reason = failureReason('KafkaTopic', error)
      await writeStatus(
        ctx,
        cached,
        waiting(reason, `${(error as Error).message}; retrying`, retryingPhase(cached)),
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
  cluster: Parameters<typeof prepare>[3],
) {
  const actual = await admin.describeTopic(desired.name)
  const made = cached.metadata.annotations?.[kafkaNameAnnotation]
  if (actual && made === undefined) {
    await writeStatus(
      ctx,
      cached,
      failed(
        'TopicExistsOutsideFjord',
        `Kafka already has a topic ${desired.name} that Fjord did not create; it is left as it is`,
      ),
    )
    return
  }
  const plan = planTopic(desired, actual, made)
  if (plan.kind === 'refuse') {
    const [first] = plan.refusals
    await writeStatus(
      ctx,
      cached,
      failed(first?.reason ?? 'Refused', plan.refusals.map((r) => r.message).join('; ')),
    )
    return
  }
  // The finalizer, the owner and the name go on before anything exists in Kafka.
  const topic = await prepare(ctx, KafkaTopics, cached, cluster, {
    [kafkaNameAnnotation]: desired.name,
  })
  let topicId = actual?.topicId
  if (plan.kind === 'create') {
    const result = await ctx.batcher.create(admin, desired)
    if (!result.ok && result.error.id === 'TOPIC_ALREADY_EXISTS') return { requeueAfterMs: 0 }
    if (!result.ok && rejections.has(result.error.id)) {
      await writeStatus(ctx, topic, failed('KafkaRejected', result.error.message))
      return
    }
    if (!result.ok) throw result.error
    topicId = result.topicId
  }
  if (plan.kind === 'update') {
    if (plan.partitions !== undefined) await admin.createPartitions(desired.name, plan.partitions)
    await admin.alterTopicConfig(desired.name, plan.set, plan.reset)
  }
  await writeStatus(ctx, topic, ready(`${desired.name} has ${desired.partitions} partitions`), {
    topicName: desired.name,
    topicId,
    partitions: desired.partitions,
  })
}

/** Deletes the Kafka topic this resource made (never one it found), then lets the resource go. */
async function deleteTopic(ctx: OperatorContext, topic: Topic) {
  if (!topic.metadata.finalizers?.includes(finalizer)) return
  const made = topic.metadata.annotations?.[kafkaNameAnnotation]
  if (made !== undefined) {
    await writeStatus(ctx, topic, waiting('Deleting', `deleting ${made}`, 'Deleting'))
    await (await ctx.kafka.forPool(poolOfDeleted(ctx, topic, made))).deleteTopic(made)
  }
  await removeFinalizer(ctx.client, KafkaTopics, topic, finalizer)
}

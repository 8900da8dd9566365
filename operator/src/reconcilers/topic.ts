import { annotations, finalizer } from '@fjord/contract/metadata'
import { kafkaName } from '@fjord/contract/naming'
import { reasons } from '@fjord/contract/reasons'
import { KafkaTopics } from '@fjord/contract/resources'
import type { KafkaCluster, KafkaTopic } from '@fjord/contract/types'
import { getObject, removeFinalizer } from '@fjord/kube/apply'
import type { KubeObject } from '@fjord/kube/client'
import { isNotFound } from '@fjord/kube/errors'
import { objectKey } from '@fjord/kube/informer'
import type { HandlerResult } from '@fjord/kube/queue'
import { objectPath } from '@fjord/kube/resources'
import { PatchStrategy } from '@kubernetes/client-node'
import type { KafkaAdmin } from '../kafka/admin.ts'
import { TopicDeleteBatcher, TopicDescribeBatcher } from '../kafka/batcher.ts'
import { topicSeen } from '../kafka/diagnostics.ts'
import { type Reconcile, specOrMetadataChanged } from '../kube/controller.ts'
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
import {
  type ActualTopic,
  canonicalTopicId,
  type DesiredTopic,
  outsideFjordMessage,
  owns,
  planTopic,
  recordOf,
  type TopicRecord,
} from './topic-plan.ts'

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

/**
 * Topics this process created whose record has not reached the apiserver yet (the write
 * failed), by KafkaTopic uid: Kafka's answer is proof enough while the process lives.
 */
type Unrecorded = Map<string, TopicRecord>

/**
 * Records this process is writing, by object key, until the informer sees them come back as
 * an update: the pass that wrote one goes on with the copy the write returned, so the update
 * needs no pass of its own.
 */
type Echoes = Map<string, { uid: string; topicId: string; name: string }>

/** What the reconciler keeps between passes, in this process only. */
interface Memory {
  unrecorded: Unrecorded
  echoes: Echoes
  describer: TopicDescribeBatcher
  deleter: TopicDeleteBatcher
}

/** What one pass over a KafkaTopic works with, besides the resource. */
interface Pass {
  ctx: OperatorContext
  admin: KafkaAdmin
  cluster: KafkaCluster & KubeObject
  desired: DesiredTopic
  memory: Memory
}

/**
 * A Kafka topic is a KafkaTopic's only when its id is the one Fjord's own CreateTopics
 * returned, recorded on the resource before anything else (see docs/operator.md). Describes
 * go through `describer`, which gathers those of passes running at once into one request.
 */
export function topicReconciler(
  ctx: OperatorContext,
  describer = new TopicDescribeBatcher(),
): Reconcile {
  const memory: Memory = {
    unrecorded: new Map(),
    echoes: new Map(),
    describer,
    deleter: new TopicDeleteBatcher(),
  }
  const reconcile: Reconcile = async (key) => {
    if (topicSeen.hasSubscribers) topicSeen.publish({ key })
    const cached = ctx.informers.topics.get(key)
    if (!cached) {
      memory.echoes.delete(key)
      return
    }
    if (cached.metadata.deletionTimestamp) return deleteTopic(ctx, cached, memory)
    const where = clusterOf(ctx, cached)
    if ('outcome' in where) {
      await writeStatus(ctx, cached, where.outcome)
      return where.outcome.phase === 'Failed' ? undefined : { requeueAfterMs: 2_000 }
    }
    const admin = await ctx.kafka.forPool(where.pool)
    const desired: DesiredTopic = {
      name: kafkaName(where.prefix, cached.spec.topicName ?? cached.metadata.name),
      partitions: cached.spec.partitions,
      replicationFactor: cached.spec.replicationFactor ?? 1,
      config: cached.spec.config ?? {},
    }
    try {
      return await converge({ ctx, admin, cluster: where.cluster, desired, memory }, cached)
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
  reconcile.shouldReconcileUpdate = (object, old) =>
    specOrMetadataChanged(object, old) && !isOwnRecord(memory.echoes, object, old)
  return reconcile
}

async function converge(pass: Pass, cached: Topic): Promise<HandlerResult> {
  const { ctx, admin, desired, memory } = pass
  // Without a record, a describe could only lead to a create or, when Kafka has the name, to
  // calling the topic foreign (see planTopic); Fjord's create tells the two apart by itself
  // (TOPIC_ALREADY_EXISTS), so a new topic costs no describe.
  if (recordFor(cached, memory.unrecorded) === undefined) return createUnrecorded(pass, cached)
  const described = await memory.describer.describe(admin, desired.name)
  if (!described.ok) throw described.error
  const actual = described.topic
  let topic = cached
  let plan = planTopic(desired, actual, recordFor(topic, memory.unrecorded))
  if (plan.kind === 'foreign') {
    // The informer's copy may predate the record: only the apiserver's may call a topic foreign.
    const current = await reread(ctx, cached)
    if (!current || current.metadata.deletionTimestamp) return
    topic = current
    plan = planTopic(desired, actual, recordFor(topic, memory.unrecorded))
  }
  if (plan.kind === 'foreign') {
    await writeStatus(ctx, topic, failed(reasons.TopicExistsOutsideFjord, plan.message))
    return
  }
  if (actual && owns(recordFor(topic, memory.unrecorded), actual)) {
    topic = await record(ctx, memory, topic, actual)
  }
  if (plan.kind === 'refuse') {
    const [first] = plan.refusals
    await writeStatus(
      ctx,
      topic,
      failed(first.reason, plan.refusals.map((r) => r.message).join('; ')),
    )
    return
  }
  // The finalizer and the owner go on before anything exists in Kafka.
  topic = await prepare(ctx, KafkaTopics, topic, pass.cluster)
  let topicId = actual?.topicId
  if (plan.kind === 'create') {
    const created = await create(pass, topic)
    if (created === 'exists') return alreadyExists(ctx, topic, desired, memory.unrecorded)
    if (created === 'rejected') return
    ;({ topic, topicId } = created)
  }
  if (plan.kind === 'update') {
    if (plan.partitions !== undefined) await admin.createPartitions(desired.name, plan.partitions)
    await admin.alterTopicConfig(desired.name, plan.set, plan.reset)
  }
  await writeReady(ctx, topic, desired, topicId)
}

/**
 * A KafkaTopic with no record at all is created without a describe first. Kafka refuses the
 * create of a name it has (TOPIC_ALREADY_EXISTS) before it checks anything else of the
 * request, so this ends as the describe would have: a topic made, or one called foreign
 * once the apiserver's copy confirms there is no record, and left as it is.
 */
async function createUnrecorded(pass: Pass, cached: Topic): Promise<HandlerResult> {
  const { ctx, desired, memory } = pass
  // The finalizer and the owner go on before anything exists in Kafka.
  const topic = await prepare(ctx, KafkaTopics, cached, pass.cluster)
  const created = await create(pass, topic)
  if (created === 'rejected') return
  if (created === 'exists') {
    const current = await reread(ctx, topic)
    if (!current || current.metadata.deletionTimestamp) return
    // The informer's copy predated a record: the apiserver's is planned with a describe, as
    // one that said foreign would have been.
    if (recordFor(current, memory.unrecorded) !== undefined) return converge(pass, current)
    await writeStatus(
      ctx,
      current,
      failed(reasons.TopicExistsOutsideFjord, outsideFjordMessage(desired.name)),
    )
    return
  }
  await writeReady(ctx, created.topic, desired, created.topicId)
}

/**
 * Fjord's own create of the topic, batched with those of other passes, and the record of the
 * id Kafka gave it. A spec Kafka rejects ends the pass Failed ('rejected'); a name Kafka
 * already has is left to the caller ('exists').
 */
async function create(
  { ctx, admin, desired, memory }: Pass,
  topic: Topic,
): Promise<{ topic: Topic; topicId: string } | 'exists' | 'rejected'> {
  const result = await ctx.batcher.create(admin, desired)
  if (!result.ok && result.error.id === 'TOPIC_ALREADY_EXISTS') return 'exists'
  if (!result.ok && rejections.has(result.error.id)) {
    await writeStatus(ctx, topic, failed(reasons.KafkaRejected, result.error.message))
    return 'rejected'
  }
  if (!result.ok) throw result.error
  const { topicId } = result
  return { topic: await record(ctx, memory, topic, { name: desired.name, topicId }), topicId }
}

const writeReady = (
  ctx: OperatorContext,
  topic: Topic,
  desired: DesiredTopic,
  topicId: string | undefined,
) =>
  writeStatus(ctx, topic, ready(`${desired.name} has ${desired.partitions} partitions`), {
    topicName: desired.name,
    topicId,
    partitions: desired.partitions,
  })

/**
 * Kafka refused Fjord's own create because the name is taken: the topic is someone else's,
 * unless the apiserver's copy records one of this name (a stale cache met a broker whose
 * metadata lags), which the next describe settles by its id.
 */
async function alreadyExists(
  ctx: OperatorContext,
  topic: Topic,
  desired: DesiredTopic,
  unrecorded: Unrecorded,
) {
  const current = await reread(ctx, topic)
  if (!current || current.metadata.deletionTimestamp) return
  const record = recordFor(current, unrecorded)
  if (record && (record.name ?? desired.name) === desired.name) return { requeueAfterMs: 1_000 }
  await writeStatus(
    ctx,
    current,
    failed(reasons.TopicExistsOutsideFjord, outsideFjordMessage(desired.name)),
  )
}

/**
 * Records the id Kafka gave Fjord's topic, unless the annotations already say it (a legacy
 * `status.topicId`, an id an admin pasted in Kafka's base64 form, one kept in memory).
 */
async function record(
  ctx: OperatorContext,
  { unrecorded, echoes }: Memory,
  topic: Topic,
  made: Pick<ActualTopic, 'name' | 'topicId'>,
): Promise<Topic> {
  const topicName = made.name
  const topicId = canonicalTopicId(made.topicId) ?? made.topicId
  const recorded = topic.metadata.annotations
  if (
    recorded?.[annotations.kafkaTopicId] === topicId &&
    recorded[annotations.kafkaName] === topicName
  )
    return topic
  const uid = topic.metadata.uid ?? ''
  const key = objectKey(topic)
  unrecorded.set(uid, { topicId, name: topicName })
  // Set before the write: its update event may reach the informer before its answer reaches us.
  echoes.set(key, { uid, topicId, name: topicName })
  // A merge patch of annotations alone, without resourceVersion: it cannot conflict, leaves
  // the other keys as they are, and no status write ever removes it.
  const patched = await ctx.client
    .request<Topic>(
      'PATCH',
      objectPath(KafkaTopics, topic.metadata.name, topic.metadata.namespace),
      {
        body: {
          metadata: {
            annotations: {
              [annotations.kafkaTopicId]: topicId,
              [annotations.kafkaName]: topicName,
            },
          },
        },
        contentType: PatchStrategy.MergePatch,
      },
    )
    .catch((error: unknown) => {
      echoes.delete(key)
      throw error
    })
  unrecorded.delete(uid)
  return patched
}

/**
 * Whether an update event is only the record this process just wrote coming back (and
 * forgets it then). Anything else changed with it, or a record that is not the one written,
 * such as an id an admin pasted or removed, is reconciled as any change is.
 */
function isOwnRecord(echoes: Echoes, object: KubeObject, old: KubeObject): boolean {
  const key = objectKey(object)
  const echo = echoes.get(key)
  const now = object.metadata.annotations ?? {}
  if (
    !echo ||
    echo.uid !== object.metadata.uid ||
    now[annotations.kafkaTopicId] !== echo.topicId ||
    now[annotations.kafkaName] !== echo.name
  )
    return false
  echoes.delete(key)
  return !specOrMetadataChanged(withoutRecord(object), withoutRecord(old))
}

function withoutRecord(object: KubeObject): KubeObject {
  const {
    [annotations.kafkaTopicId]: _id,
    [annotations.kafkaName]: _name,
    ...others
  } = object.metadata.annotations ?? {}
  const annotated = Object.keys(others).length > 0
  return {
    ...object,
    metadata: { ...object.metadata, annotations: annotated ? others : undefined },
  }
}

/**
 * Deletes the Kafka topic this resource made, by its recorded id so that a namesake made
 * since is never deleted, then lets the resource go. Without a record nothing is deleted in
 * Kafka. A cached copy that missed the record cannot skip it: the finalizer's removal is
 * guarded by resourceVersion, so it fails and the pass is retried on a fresh copy. The
 * Deleting status is written first, and the copy that write returns is the one whose record
 * is deleted and whose resourceVersion guards the removal.
 */
async function deleteTopic(ctx: OperatorContext, cached: Topic, { unrecorded, deleter }: Memory) {
  if (!cached.metadata.finalizers?.includes(finalizer)) return
  let topic = cached
  const seen = recordFor(topic, unrecorded)
  if (seen !== undefined) {
    const deleting = (made: TopicRecord) => made.name ?? `the topic with id ${made.topicId}`
    topic = await writeStatus(
      ctx,
      topic,
      waiting(reasons.Deleting, `deleting ${deleting(seen)}`, 'Deleting'),
    )
    const made = recordFor(topic, unrecorded)
    if (made !== undefined) {
      const admin = await ctx.kafka.forPool(poolOfDeleted(ctx, topic, deleting(made)))
      const deleted = await deleter.delete(admin, made.topicId)
      if (!deleted.ok) throw deleted.error
    }
  }
  await removeFinalizer(ctx.client, KafkaTopics, topic, finalizer).catch((error: unknown) => {
    // A pass queued before the resource went (by its own finalizer's removal) finds it gone.
    if (!isNotFound(error)) throw error
  })
  unrecorded.delete(topic.metadata.uid ?? '')
}

const recordFor = (topic: Topic, unrecorded: Unrecorded) =>
  recordOf(topic) ?? unrecorded.get(topic.metadata.uid ?? '')

/** The apiserver's copy, for what the informer's, which may be stale, must not decide. */
const reread = (ctx: OperatorContext, topic: Topic) =>
  getObject<Topic>(ctx.client, KafkaTopics, topic.metadata.name, topic.metadata.namespace)

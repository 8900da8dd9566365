import {
  type Admin,
  type Connection,
  consumerGroupDescribeV0,
  FindCoordinatorKeyTypes,
  findErrorBy,
  kGetConnection,
  ResponseError,
} from '@platformatic/kafka'
import { ApiError } from '../errors.ts'
import { type GroupState, groupStateOf, type Offsets } from './group-offsets.ts'

/** How long one request may spend on Kafka, all its calls together, before it answers 503. */
const requestBudgetMs = 10_000

// Classic groups (JoinGroup) and KIP-848 consumer groups; ListGroups shows only classic ones
// unless asked for both.
const groupTypes = ['classic', 'consumer']

/** ListOffsets' timestamps for the first and the next offset of a partition. */
export const earliestOffset = -2n
export const latestOffset = -1n

// What Kafka answers a commit from outside a group that has members.
const refusedWhileActive = [
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'FENCED_MEMBER_EPOCH',
  'STALE_MEMBER_EPOCH',
]

export interface Listed {
  state: GroupState
  /** classic or consumer (KIP-848). */
  type: string
}

export interface Described {
  state: GroupState
  assignor: string
  /** Members with the partitions assigned to each, by Kafka topic name. */
  members: {
    memberId: string
    instanceId: string | null
    clientId: string
    host: string
    assigned: Map<string, number[]>
  }[]
}

/** A failed Kafka call as a 503 that says what was asked and what Kafka (or the network) said. */
function kafkaFailure(action: string, error: unknown): ApiError {
  if (error instanceof ApiError) return error
  return new ApiError(
    'unavailable',
    `Kafka did not answer (${action}): ${reasonOf(error)}; try again`,
  )
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(reasonOf))].join('; ')
  }
  if (error instanceof Error) return (error as { apiId?: string }).apiId ?? error.message
  return String(error)
}

/**
 * What the api asks Kafka about consumer groups, by Kafka names, for one request: every call
 * shares the request's time budget, so that a Kafka that does not answer is a 503 (naming
 * what was asked), not a hang.
 */
export class GroupAdmin {
  readonly #admin: Admin
  readonly #deadline: number

  constructor(admin: Admin, budgetMs = requestBudgetMs) {
    this.#admin = admin
    this.#deadline = Date.now() + budgetMs
  }

  /** Every group, classic and KIP-848, by id. */
  async listed(): Promise<Map<string, Listed>> {
    const groups = await this.#call('list groups', () =>
      this.#admin.listGroups({ types: groupTypes }),
    )
    return new Map(
      [...groups].map(([id, group]) => [
        id,
        { state: groupStateOf(group.state), type: group.groupType ?? 'classic' },
      ]),
    )
  }

  /** State, assignor and members of each group, each asked the way its type answers. */
  async describe(groups: { id: string; type: string }[]): Promise<Map<string, Described>> {
    const classic = groups.filter((g) => g.type !== 'consumer').map((g) => g.id)
    const consumer = groups.filter((g) => g.type === 'consumer').map((g) => g.id)
    const [a, b] = await Promise.all([
      classic.length > 0 ? this.#describeClassic(classic) : new Map(),
      consumer.length > 0 ? this.#describeConsumer(consumer) : new Map(),
    ])
    return new Map([...a, ...b])
  }

  /** Committed offsets of each group (none for a partition it never committed). */
  async committed(ids: string[]): Promise<Map<string, Offsets>> {
    if (ids.length === 0) return new Map()
    const groups = await this.#call('fetch committed offsets', () =>
      this.#admin.listConsumerGroupOffsets({ groups: ids }),
    )
    return new Map(
      groups.map((group) => [
        group.groupId,
        new Map(
          group.topics.map((topic) => [
            topic.name,
            new Map(
              topic.partitions
                .filter((p) => p.committedOffset >= 0n)
                .map((p) => [p.partitionIndex, p.committedOffset]),
            ),
          ]),
        ),
      ]),
    )
  }

  /**
   * End offsets of the partitions of `wanted`, one request per topic: a topic whose leader
   * does not answer is left out (its lag unknown) instead of failing the whole answer.
   */
  async endOffsets(wanted: Map<string, Set<number>>): Promise<Offsets> {
    const answers = await Promise.allSettled(
      [...wanted].map(async ([topic, partitions]) => {
        const offsets = await this.offsets(topic, [...partitions], latestOffset)
        return [topic, offsets] as const
      }),
    )
    const ends: Offsets = new Map()
    for (const answer of answers) {
      if (answer.status === 'fulfilled') ends.set(...answer.value)
    }
    return ends
  }

  /** ListOffsets of a topic's partitions at `timestamp` (or earliestOffset, latestOffset). */
  async offsets(
    topic: string,
    partitions: number[],
    timestamp: bigint,
  ): Promise<Map<number, bigint>> {
    const [answer] = await this.#call(`list offsets of ${topic}`, () =>
      this.#admin.listOffsets({
        topics: [
          {
            name: topic,
            partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })),
          },
        ],
      }),
    )
    return new Map((answer?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]))
  }

  /** The partition count of each topic that exists. */
  async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const existing = new Set(
      await this.#call('list topics', () => this.#admin.listTopics({ includeInternals: false })),
    )
    const found = topics.filter((topic) => existing.has(topic))
    if (found.length === 0) return new Map()
    const metadata = await this.#call('describe topics', () =>
      this.#admin.metadata({ topics: found, forceUpdate: true }),
    )
    return new Map(found.map((topic) => [topic, metadata.topics.get(topic)?.partitionsCount ?? 0]))
  }

  /**
   * Commits `offsets` for the group from outside it; answers false when Kafka refuses because
   * the group has members (it only takes such a commit for an empty group).
   */
  async commit(id: string, offsets: Map<string, Map<number, bigint>>): Promise<boolean> {
    try {
      await this.#withinBudget(() =>
        this.#admin.alterConsumerGroupOffsets({
          groupId: id,
          topics: [...offsets].map(([topic, byPartition]) => ({
            name: topic,
            partitionOffsets: [...byPartition].map(([partition, offset]) => ({
              partition,
              offset,
            })),
          })),
        }),
      )
      return true
    } catch (error) {
      if (refusedWhileActive.some((apiId) => findErrorBy(error as Error, 'apiId', apiId))) {
        return false
      }
      throw kafkaFailure('commit offsets', error)
    }
  }

  /** `ask`, within what is left of the request's budget; a failure is a 503 naming `action`. */
  async #call<T>(action: string, ask: () => Promise<T>): Promise<T> {
    try {
      return await this.#withinBudget(ask)
    } catch (error) {
      throw kafkaFailure(action, error)
    }
  }

  async #withinBudget<T>(ask: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${requestBudgetMs / 1000} s`)),
        Math.max(0, this.#deadline - Date.now()),
      )
    })
    try {
      return await Promise.race([ask(), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  async #describeClassic(ids: string[]): Promise<Map<string, Described>> {
    const groups = await this.#call('describe groups', () =>
      this.#admin.describeGroups({ groups: ids }),
    )
    return new Map(
      [...groups.values()].map((group) => [
        group.id,
        {
          state: groupStateOf(group.state),
          assignor: group.protocol,
          members: [...group.members.values()].map((member) => ({
            memberId: member.id,
            instanceId: member.groupInstanceId ?? null,
            clientId: member.clientId,
            host: member.clientHost.replace(/^\//, ''),
            assigned: new Map(
              [...(member.assignments?.values() ?? [])].map((a) => [a.topic, a.partitions]),
            ),
          })),
        },
      ]),
    )
  }

  /** KIP-848 groups, which DescribeGroups does not know: ConsumerGroupDescribe on their coordinators. */
  async #describeConsumer(ids: string[]): Promise<Map<string, Described>> {
    const coordinators = await this.#call('find group coordinators', () =>
      this.#admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: ids }),
    )
    const byNode = new Map<number, { host: string; port: number; keys: string[] }>()
    for (const { nodeId, host, port, key } of coordinators) {
      const node = byNode.get(nodeId) ?? { host, port, keys: [] }
      node.keys.push(key)
      byNode.set(nodeId, node)
    }
    const answers = await Promise.all(
      [...byNode.values()].map((node) =>
        this.#call('describe consumer groups', async () => {
          const connection = await new Promise<Connection>((resolve, reject) =>
            this.#admin[kGetConnection](node, (error, c) => (c ? resolve(c) : reject(error))),
          )
          try {
            return await consumerGroupDescribeV0.api.async(connection, node.keys, false)
          } catch (error) {
            if (!(error instanceof ResponseError)) throw error
            return (
              error as ResponseError & {
                response: consumerGroupDescribeV0.ConsumerGroupDescribeResponse
              }
            ).response
          }
        }),
      ),
    )
    const described = new Map<string, Described>()
    for (const group of answers.flatMap((answer) => answer.groups)) {
      described.set(group.groupId, {
        state: group.errorCode === 0 ? groupStateOf(group.groupState) : 'Dead',
        assignor: group.assignorName,
        members: group.members.map((member) => ({
          memberId: member.memberId,
          instanceId: member.instanceId ?? null,
          clientId: member.clientId,
          host: member.clientHost.replace(/^\//, ''),
          assigned: new Map(
            member.assignment.topicPartitions.map((t) => [t.topicName, t.partitions]),
          ),
        })),
      })
    }
    return described
  }
}

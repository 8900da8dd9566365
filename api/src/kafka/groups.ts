import {
  type Admin,
  type Connection,
  consumerGroupDescribeV0,
  FindCoordinatorKeyTypes,
  findErrorBy,
  kGetConnection,
  ResponseError,
} from '@platformatic/kafka'
import { ApiError, invalidField, notFound } from '../errors.ts'
import {
  type GroupState,
  groupStateOf,
  newOffset,
  type Offsets,
  type PartitionRow,
  partitionRows,
  type ResetTarget,
  shortNameOf,
  totalLag,
} from './group-offsets.ts'

/** How long one request may spend on Kafka, all its calls together, before it answers 503. */
const requestBudgetMs = 10_000

// Classic groups (JoinGroup) and KIP-848 consumer groups; ListGroups shows only classic ones
// unless asked for both.
const groupTypes = ['classic', 'consumer']

// ListOffsets' timestamps for the first and the next offset of a partition.
const earliestOffset = -2n
const latestOffset = -1n

// What Kafka answers a commit from outside a group that has members.
const refusedWhileActive = [
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'FENCED_MEMBER_EPOCH',
  'STALE_MEMBER_EPOCH',
]

export interface GroupMember {
  memberId: string
  instanceId: string | null
  clientId: string
  host: string
  assignments: { topic: string; partitions: number[] }[]
}

export interface GroupSummary {
  name: string
  state: GroupState
  memberCount: number
  /** Topics it committed offsets on (or, in a detail, has assigned). */
  topics: string[]
  lag: number | null
}

export interface GroupDetail extends GroupSummary {
  assignor: string
  members: GroupMember[]
  partitions: PartitionRow[]
}

export interface OffsetReset {
  name: string
  dryRun: boolean
  partitions: {
    topic: string
    partition: number
    previousOffset: number | null
    newOffset: number
  }[]
}

interface Described {
  state: GroupState
  assignor: string
  /** Members with their assignments by Kafka topic name. */
  members: (Omit<GroupMember, 'assignments'> & { assigned: Map<string, number[]> })[]
}

interface Listed {
  state: GroupState
  type: string
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

const groupNotEmpty = (name: string, why: string) =>
  new ApiError(
    'group_not_empty',
    `Consumer group ${name} is not empty (${why}): offsets are reset only while no consumer of the group runs; stop its consumers and try again`,
  )

const byPartition = <T extends { partition: number }>(a: T, b: T) => a.partition - b.partition

/** Adds the partitions of `offsets` (by topic, then partition) to `into`. */
function addPartitions(into: Map<string, Set<number>>, offsets: Map<string, Map<number, unknown>>) {
  for (const [topic, byPartition] of offsets) {
    const set = into.get(topic) ?? new Set<number>()
    for (const partition of byPartition.keys()) set.add(partition)
    into.set(topic, set)
  }
}

/**
 * The consumer groups of one cluster, as its tenant sees them: only groups whose id starts
 * with the cluster's prefix, named without it, and only topics inside it. Every call to
 * Kafka shares one time budget, so that a Kafka that does not answer is a 503, not a hang.
 */
export class ConsumerGroups {
  readonly #admin: Admin
  readonly #prefix: string
  readonly #deadline: number

  constructor(admin: Admin, prefix: string, budgetMs = requestBudgetMs) {
    this.#admin = admin
    this.#prefix = prefix
    this.#deadline = Date.now() + budgetMs
  }

  /**
   * A page of groups in name order after `after`, with their lag; with `topic`, only the
   * groups that committed offsets on it. `more` says whether another page follows.
   */
  async list(options: {
    after?: string
    limit: number
    topic?: string
  }): Promise<{ items: GroupSummary[]; more: boolean }> {
    const listed = await this.#listed()
    let ids = [...listed.keys()].sort()
    let committed: Map<string, Offsets> | undefined
    if (options.topic !== undefined) {
      const topic = this.#prefix + options.topic
      committed = await this.#committed(ids)
      ids = ids.filter((id) => committed?.get(id)?.has(topic))
    }
    const after = options.after === undefined ? undefined : this.#prefix + options.after
    ids = ids.filter((id) => after === undefined || id > after)
    const page = ids.slice(0, options.limit)
    const [described, offsets] = await Promise.all([
      this.#describe(page.map((id) => ({ id, type: listed.get(id)?.type ?? 'classic' }))),
      committed ?? this.#committed(page),
    ])
    const wanted = new Map<string, Set<number>>()
    for (const byTopic of offsets.values()) addPartitions(wanted, byTopic)
    const ends = await this.#ends(wanted)
    const items = page.map((id) => {
      const group = described.get(id)
      const rows = partitionRows(this.#prefix, offsets.get(id) ?? new Map(), new Map(), ends)
      return {
        name: this.#short(id),
        state: group?.state ?? listed.get(id)?.state ?? 'Unknown',
        memberCount: group?.members.length ?? 0,
        topics: [...new Set(rows.map((row) => row.topic))],
        lag: totalLag(rows),
      }
    })
    return { items, more: ids.length > page.length }
  }

  /** The group with its members and, per partition, committed offset, end offset and lag. */
  async describe(name: string): Promise<GroupDetail> {
    const id = this.#prefix + name
    const found = (await this.#listed()).get(id)
    if (!found) throw notFound(`Consumer group ${name}`)
    const [described, committed] = await Promise.all([
      this.#describe([{ id, type: found.type }]),
      this.#committed([id]),
    ])
    const group = described.get(id)
    const offsets = committed.get(id) ?? new Map()
    const assigned = new Map<string, Map<number, string>>()
    for (const member of group?.members ?? []) {
      for (const [topic, partitions] of member.assigned) {
        const owners = assigned.get(topic) ?? new Map<number, string>()
        for (const partition of partitions) owners.set(partition, member.memberId)
        assigned.set(topic, owners)
      }
    }
    const wanted = new Map<string, Set<number>>()
    addPartitions(wanted, offsets)
    addPartitions(wanted, assigned)
    const partitions = partitionRows(this.#prefix, offsets, assigned, await this.#ends(wanted))
    return {
      name,
      state: group?.state ?? found.state,
      memberCount: group?.members.length ?? 0,
      topics: [...new Set(partitions.map((row) => row.topic))],
      lag: totalLag(partitions),
      assignor: group?.assignor ?? '',
      members: (group?.members ?? []).map(({ assigned: byTopic, ...member }) => ({
        ...member,
        assignments: [...byTopic]
          .flatMap(([topic, partitions]) => {
            const short = shortNameOf(this.#prefix, topic)
            return short === undefined
              ? []
              : [{ topic: short, partitions: [...partitions].sort((a, b) => a - b) }]
          })
          .sort((a, b) => a.topic.localeCompare(b.topic)),
      })),
      partitions,
    }
  }

  /**
   * Moves the group's offsets on `topics` (all it committed on, without them) to `target`,
   * or with `dryRun` only says where they would go. Refused while the group has members; a
   * group that does not exist yet is made by the reset when it names its topics.
   */
  async reset(
    name: string,
    target: ResetTarget,
    options: { topics?: string[]; dryRun: boolean },
  ): Promise<OffsetReset> {
    const id = this.#prefix + name
    const found = (await this.#listed()).get(id)
    if (!found && !options.topics) throw notFound(`Consumer group ${name}`)
    if (found) {
      const group = (await this.#describe([{ id, type: found.type }])).get(id)
      const state = group?.state ?? found.state
      const members = group?.members.length ?? 0
      if (members > 0 || (state !== 'Empty' && state !== 'Dead')) {
        throw groupNotEmpty(name, `${members} member(s), state ${state}`)
      }
    }
    const previous = (await this.#committed([id])).get(id) ?? new Map<string, Map<number, bigint>>()
    const partitions = options.topics
      ? await this.#partitionsOf(options.topics)
      : this.#insidePrefix(previous)
    if (partitions.size === 0) {
      throw invalidField('topics', `Consumer group ${name} has no offsets yet: name the topics`)
    }
    const moved = await this.#newOffsets(partitions, target)
    if (!options.dryRun) await this.#commit(name, id, moved)
    return {
      name,
      dryRun: options.dryRun,
      partitions: [...moved].flatMap(([topic, offsets]) =>
        [...offsets]
          .map(([partition, offset]) => {
            const before = previous.get(topic)?.get(partition)
            return {
              topic: this.#short(topic),
              partition,
              previousOffset: before === undefined ? null : Number(before),
              newOffset: Number(offset),
            }
          })
          .sort(byPartition),
      ),
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

  #short(id: string): string {
    return shortNameOf(this.#prefix, id) ?? id
  }

  /** The groups inside the prefix, by Kafka group id. */
  async #listed(): Promise<Map<string, Listed>> {
    const groups = await this.#call('list groups', () =>
      this.#admin.listGroups({ types: groupTypes }),
    )
    const inside = new Map<string, Listed>()
    for (const [id, group] of groups) {
      if (shortNameOf(this.#prefix, id) !== undefined) {
        inside.set(id, { state: groupStateOf(group.state), type: group.groupType ?? 'classic' })
      }
    }
    return inside
  }

  async #describe(groups: { id: string; type: string }[]): Promise<Map<string, Described>> {
    const classic = groups.filter((g) => g.type !== 'consumer').map((g) => g.id)
    const consumer = groups.filter((g) => g.type === 'consumer').map((g) => g.id)
    const [a, b] = await Promise.all([
      classic.length > 0 ? this.#describeClassic(classic) : new Map(),
      consumer.length > 0 ? this.#describeConsumer(consumer) : new Map(),
    ])
    return new Map([...a, ...b])
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

  /** Committed offsets of each group (none for a partition it never committed). */
  async #committed(ids: string[]): Promise<Map<string, Offsets>> {
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
  async #ends(wanted: Map<string, Set<number>>): Promise<Offsets> {
    const inside = [...wanted].filter(([topic]) => shortNameOf(this.#prefix, topic) !== undefined)
    const answers = await Promise.allSettled(
      inside.map(([topic, set]) => this.#listOffsets(topic, [...set], latestOffset)),
    )
    const ends: Offsets = new Map()
    for (const answer of answers) {
      if (answer.status === 'fulfilled') ends.set(...answer.value)
    }
    return ends
  }

  async #listOffsets(
    topic: string,
    partitions: number[],
    timestamp: bigint,
  ): Promise<[string, Map<number, bigint>]> {
    const [answer] = await this.#call(`list offsets of ${this.#short(topic)}`, () =>
      this.#admin.listOffsets({
        topics: [
          {
            name: topic,
            partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })),
          },
        ],
      }),
    )
    return [topic, new Map((answer?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]))]
  }

  #insidePrefix(offsets: Offsets): Map<string, number[]> {
    return new Map(
      [...offsets]
        .filter(([topic]) => shortNameOf(this.#prefix, topic) !== undefined)
        .map(([topic, byPartition]) => [topic, [...byPartition.keys()]]),
    )
  }

  /** Every partition of the named topics (short names); one that does not exist is a 422. */
  async #partitionsOf(topics: string[]): Promise<Map<string, number[]>> {
    const names = topics.map((topic) => this.#prefix + topic)
    const existing = new Set(
      await this.#call('list topics', () => this.#admin.listTopics({ includeInternals: false })),
    )
    const missing = topics.findIndex((_, i) => !existing.has(names[i] ?? ''))
    if (missing >= 0) {
      throw invalidField(`topics.${missing}`, `no topic ${topics[missing]} in this cluster`)
    }
    const metadata = await this.#call('describe topics', () =>
      this.#admin.metadata({ topics: names, forceUpdate: true }),
    )
    return new Map(
      names.map((name) => [
        name,
        Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, i) => i),
      ]),
    )
  }

  async #newOffsets(
    partitions: Map<string, number[]>,
    target: ResetTarget,
  ): Promise<Map<string, Map<number, bigint>>> {
    const moved = new Map<string, Map<number, bigint>>()
    await Promise.all(
      [...partitions].map(async ([topic, list]) => {
        const [[, earliest], [, latest], atTime] = await Promise.all([
          this.#listOffsets(topic, list, earliestOffset),
          this.#listOffsets(topic, list, latestOffset),
          target.to === 'timestamp'
            ? this.#listOffsets(topic, list, BigInt(target.timestamp.getTime()))
            : undefined,
        ])
        const offsets = new Map<number, bigint>()
        for (const partition of list) {
          offsets.set(
            partition,
            newOffset(target, {
              earliest: earliest.get(partition) ?? 0n,
              latest: latest.get(partition) ?? 0n,
              atTimestamp: atTime?.[1].get(partition),
            }),
          )
        }
        moved.set(topic, offsets)
      }),
    )
    return new Map([...moved].sort(([a], [b]) => a.localeCompare(b)))
  }

  async #commit(name: string, id: string, offsets: Map<string, Map<number, bigint>>) {
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
    } catch (error) {
      if (refusedWhileActive.some((apiId) => findErrorBy(error as Error, 'apiId', apiId))) {
        throw groupNotEmpty(name, 'Kafka refused the commit: a consumer joined meanwhile')
      }
      throw kafkaFailure('commit offsets', error)
    }
  }
}

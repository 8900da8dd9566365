import type { Admin } from '@platformatic/kafka'
import { ApiError, invalidField, notFound } from '../errors.ts'
import { earliestOffset, GroupAdmin, latestOffset } from './group-admin.ts'
import {
  type GroupState,
  newOffset,
  type Offsets,
  type PartitionRow,
  partitionRows,
  type ResetTarget,
  shortNameOf,
  totalLag,
} from './group-offsets.ts'

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

const groupNotEmpty = (name: string, why: string) =>
  new ApiError(
    'group_not_empty',
    `Consumer group ${name} is not empty (${why}): offsets are reset only while no consumer of the group runs; stop its consumers and try again`,
  )

const byNumber = (a: number, b: number) => a - b

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
 * with the cluster's prefix, named without it, and only topics inside it.
 */
export class ConsumerGroups {
  readonly #kafka: GroupAdmin
  readonly #prefix: string

  constructor(admin: Admin, prefix: string) {
    this.#kafka = new GroupAdmin(admin)
    this.#prefix = prefix
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
      committed = await this.#kafka.committed(ids)
      ids = ids.filter((id) => committed?.get(id)?.has(topic))
    }
    const after = options.after === undefined ? undefined : this.#prefix + options.after
    ids = ids.filter((id) => after === undefined || id > after)
    const page = ids.slice(0, options.limit)
    const [described, offsets] = await Promise.all([
      this.#kafka.describe(page.map((id) => ({ id, type: listed.get(id)?.type ?? 'classic' }))),
      committed ?? this.#kafka.committed(page),
    ])
    const wanted = new Map<string, Set<number>>()
    for (const byTopic of offsets.values()) addPartitions(wanted, byTopic)
    const ends = await this.#endOffsets(wanted)
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
      this.#kafka.describe([{ id, type: found.type }]),
      this.#kafka.committed([id]),
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
    const ends = await this.#endOffsets(wanted)
    const partitions = partitionRows(this.#prefix, offsets, assigned, ends)
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
              : [{ topic: short, partitions: partitions.toSorted(byNumber) }]
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
      const group = (await this.#kafka.describe([{ id, type: found.type }])).get(id)
      const state = group?.state ?? found.state
      const members = group?.members.length ?? 0
      if (members > 0 || (state !== 'Empty' && state !== 'Dead')) {
        throw groupNotEmpty(name, `${members} member(s), state ${state}`)
      }
    }
    const previous = (await this.#kafka.committed([id])).get(id) ?? new Map()
    const partitions = options.topics
      ? await this.#partitionsOf(options.topics)
      : this.#insidePrefix(previous)
    if (partitions.size === 0) {
      throw invalidField('topics', `Consumer group ${name} has no offsets yet: name the topics`)
    }
    const moved = await this.#newOffsets(partitions, target)
    if (!options.dryRun && !(await this.#kafka.commit(id, moved))) {
      throw groupNotEmpty(name, 'Kafka refused the commit: a consumer joined meanwhile')
    }
    return {
      name,
      dryRun: options.dryRun,
      partitions: [...moved].flatMap(([topic, offsets]) =>
        [...offsets.keys()].toSorted(byNumber).map((partition) => {
          const before = previous.get(topic)?.get(partition)
          return {
            topic: this.#short(topic),
            partition,
            previousOffset: before === undefined ? null : Number(before),
            newOffset: Number(offsets.get(partition)),
          }
        }),
      ),
    }
  }

  #short(id: string): string {
    return shortNameOf(this.#prefix, id) ?? id
  }

  #inside(name: string): boolean {
    return shortNameOf(this.#prefix, name) !== undefined
  }

  /** The groups inside the prefix, by Kafka group id. */
  async #listed() {
    const groups = await this.#kafka.listed()
    return new Map([...groups].filter(([id]) => this.#inside(id)))
  }

  async #endOffsets(wanted: Map<string, Set<number>>): Promise<Offsets> {
    return this.#kafka.endOffsets(new Map([...wanted].filter(([topic]) => this.#inside(topic))))
  }

  #insidePrefix(offsets: Offsets): Map<string, number[]> {
    return new Map(
      [...offsets]
        .filter(([topic]) => this.#inside(topic))
        .map(([topic, byPartition]) => [topic, [...byPartition.keys()]]),
    )
  }

  /** Every partition of the named topics (short names); one that does not exist is a 422. */
  async #partitionsOf(topics: string[]): Promise<Map<string, number[]>> {
    const names = topics.map((topic) => this.#prefix + topic)
    const counts = await this.#kafka.partitionCounts(names)
    const missing = names.findIndex((name) => !counts.has(name))
    if (missing >= 0) {
      throw invalidField(`topics.${missing}`, `no topic ${topics[missing]} in this cluster`)
    }
    return new Map(
      names.map((name) => [name, Array.from({ length: counts.get(name) ?? 0 }, (_, i) => i)]),
    )
  }

  async #newOffsets(
    partitions: Map<string, number[]>,
    target: ResetTarget,
  ): Promise<Map<string, Map<number, bigint>>> {
    const moved = await Promise.all(
      [...partitions].map(async ([topic, list]) => {
        const [earliest, latest, atTime] = await Promise.all([
          this.#kafka.offsets(topic, list, earliestOffset),
          this.#kafka.offsets(topic, list, latestOffset),
          target.to === 'timestamp'
            ? this.#kafka.offsets(topic, list, BigInt(target.timestamp.getTime()))
            : undefined,
        ])
        const offsets = list.map((partition) => {
          const bounds = {
            earliest: earliest.get(partition) ?? 0n,
            latest: latest.get(partition) ?? 0n,
            atTimestamp: atTime?.get(partition),
          }
          return [partition, newOffset(target, bounds)] as const
        })
        return [topic, new Map(offsets)] as const
      }),
    )
    return new Map(moved.toSorted(([a], [b]) => a.localeCompare(b)))
  }
}

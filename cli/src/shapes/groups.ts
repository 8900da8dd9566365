import type { components } from '@fjord/client/schema'
import type { Shape } from '../output.ts'

// The JSON and YAML shapes of fjord's output, declared once: a script may rely on them, so
// each module's test snapshots them and a change shows up in review.

type Schemas = components['schemas']

/** `fjord groups list`. */
export const groupShape: Shape<Schemas['ConsumerGroupSummary']> = {
  fields: {
    name: (group) => group.name,
    state: (group) => group.state,
    memberCount: (group) => group.memberCount,
    lag: (group) => group.lag,
    topics: (group) => group.topics,
  },
  columns: ['name', 'state', 'memberCount', 'lag', 'topics'],
}

/** `fjord groups describe` as JSON or YAML: the group with its members and partitions. */
export const groupDetailShape: Shape<Schemas['ConsumerGroup']> = {
  fields: {
    name: (group) => group.name,
    state: (group) => group.state,
    assignor: (group) => group.assignor,
    memberCount: (group) => group.memberCount,
    lag: (group) => group.lag,
    topics: (group) => group.topics,
    members: (group) => group.members,
    partitions: (group) => group.partitions,
  },
  columns: ['name', 'state', 'assignor', 'memberCount', 'lag'],
}

/** A member in the table of `fjord groups describe`. */
export const groupMemberShape: Shape<Schemas['ConsumerGroupMember']> = {
  fields: {
    clientId: (member) => member.clientId,
    host: (member) => member.host,
    assignments: (member) =>
      member.assignments.map((a) => `${a.topic}[${a.partitions.join(',')}]`).join(' '),
    instanceId: (member) => member.instanceId,
    memberId: (member) => member.memberId,
  },
  columns: ['clientId', 'host', 'assignments', 'memberId'],
}

/** A partition in the lag table of `fjord groups describe`, with who reads it. */
export type PartitionLine = Schemas['ConsumerGroupPartition'] & {
  clientId: string | null
  host: string | null
}

export const groupPartitionShape: Shape<PartitionLine> = {
  fields: {
    topic: (line) => line.topic,
    partition: (line) => line.partition,
    committedOffset: (line) => line.committedOffset,
    endOffset: (line) => line.endOffset,
    lag: (line) => line.lag,
    clientId: (line) => line.clientId,
    host: (line) => line.host,
    memberId: (line) => line.memberId,
  },
  columns: ['topic', 'partition', 'committedOffset', 'endOffset', 'lag', 'clientId', 'host'],
}

/** `fjord groups reset-offsets`: where each partition went, or would go with --dry-run. */
export const offsetResetShape: Shape<Schemas['OffsetReset']['partitions'][number]> = {
  fields: {
    topic: (row) => row.topic,
    partition: (row) => row.partition,
    previousOffset: (row) => row.previousOffset,
    newOffset: (row) => row.newOffset,
  },
  columns: ['topic', 'partition', 'previousOffset', 'newOffset'],
}

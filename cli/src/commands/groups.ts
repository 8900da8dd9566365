import type { components } from '@fjord/client/schema'
import { type Command, InvalidArgumentError, Option } from 'commander'
import type { Act, Context } from '../context.ts'
import { usageError } from '../errors.ts'
import { type OutputFlags, withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import {
  groupDetailShape,
  groupMemberShape,
  groupPartitionShape,
  groupShape,
  offsetResetShape,
  type PartitionLine,
} from '../shapes/groups.ts'
import { clusterFlag, orgFlag } from './flags.ts'
import { allPages } from './pages.ts'

type ResetOffsets = components['schemas']['ResetOffsets']
type Group = components['schemas']['ConsumerGroup']

const collection = '/v1/orgs/{org}/clusters/{cluster}/groups'
const item = `${collection}/{group}` as const
const reset = `${item}/reset-offsets` as const
const targets = ['earliest', 'latest', 'timestamp', 'offset'] as const

export function registerGroups(program: Command, act: Act): void {
  const groups = program
    .command('groups')
    .description('Consumer groups of a cluster, by their short names: members, lag, offset resets')

  withOutputFlags(
    groups
      .command('list')
      .description('List the consumer groups of the cluster, with state, members and total lag')
      .option('--topic <topic>', 'only the groups that committed offsets on this topic')
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord groups list\n  $ fjord groups list --topic orders --json name,lag',
      ),
  ).action(
    act(async (ctx, command) => {
      const { topic } = command.opts<{ topic?: string }>()
      const path = { org: ctx.org(), cluster: ctx.cluster() }
      const client = ctx.client()
      const items = await allPages((cursor) =>
        ctx.call(client.GET(collection, { params: { path, query: { cursor, topic } } })),
      )
      ctx.output.list(groupShape, items, command.opts())
    }),
  )

  withOutputFlags(
    groups
      .command('describe')
      .description('Show a consumer group: its members and the lag of each partition')
      .argument('<group>', 'the group, e.g. orders-consumers')
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'On a terminal: the group, its members, then per partition the committed offset, the',
          'end offset and the lag (what is left to read). -o json or yaml: all of it as data.',
          '',
          'Examples:',
          '  $ fjord groups describe orders-consumers',
          '  $ fjord groups describe orders-consumers -o yaml',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<OutputFlags>()
      const group = await ctx.call(
        ctx.client().GET(item, { params: { path: groupPath(ctx, name) } }),
      )
      if (!wantsTable(ctx, flags)) {
        ctx.output.one(groupDetailShape, group, flags)
        return
      }
      ctx.output.one(groupShape, group, { output: 'table' })
      if (group.members.length > 0) {
        ctx.output.write('\n')
        ctx.output.list(groupMemberShape, group.members, { output: 'table' })
      }
      ctx.output.write('\n')
      ctx.output.list(groupPartitionShape, partitionLines(group), { output: 'table' })
    }),
  )

  withOutputFlags(
    groups
      .command('reset-offsets')
      .description("Move an empty group's committed offsets; shows the new offsets first")
      .argument('<group>', 'the group, e.g. orders-consumers')
      .addOption(
        new Option('--to <where>', 'where the offsets go').choices(targets).makeOptionMandatory(),
      )
      .option('--timestamp <time>', 'with --to timestamp: an ISO time or epoch milliseconds')
      .option('--offset <n>', 'with --to offset: the offset of every partition', offset)
      .option(
        '--topic <topic>',
        'reset every partition of this topic (repeatable); default: all the group committed on',
        (topic: string, topics: string[] = []) => [...topics, topic],
      )
      .option('--dry-run', 'show the new offsets, and change nothing')
      .option('-y, --yes', 'do not ask')
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'Only while no consumer of the group runs: stop them first. An offset past the end of',
          'a partition stops at the end; a time after the last message is the end.',
          '',
          'Examples:',
          '  $ fjord groups reset-offsets orders-consumers --to earliest --dry-run',
          '  $ fjord groups reset-offsets orders-consumers --to timestamp --timestamp 2025-06-01T00:00:00Z',
          '  $ fjord groups reset-offsets orders-consumers --to offset --offset 42 --topic orders --yes',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<
        OutputFlags & {
          to: ResetOffsets['to']
          timestamp?: string
          offset?: number
          topic?: string[]
          dryRun?: boolean
          yes?: boolean
        }
      >()
      const target = resetTarget(flags)
      const path = groupPath(ctx, name)
      const client = ctx.client()
      const post = (dryRun: boolean) =>
        ctx.call(client.POST(reset, { params: { path }, body: { ...target, dryRun } }))
      if (flags.dryRun) {
        const preview = await post(true)
        ctx.output.info(`Would reset ${describe(preview)}; dry run, nothing changed`)
        ctx.output.list(offsetResetShape, preview.partitions, flags)
        return
      }
      if (!flags.yes) {
        if (!ctx.terminal.interactive) {
          throw usageError(
            'refusing to reset offsets without --yes when not on a terminal',
            'pass --yes, or --dry-run to see the new offsets',
          )
        }
        const preview = await post(true)
        ctx.output.info(`Resets ${describe(preview)}:`)
        for (const row of preview.partitions) {
          ctx.output.info(
            `  ${row.topic}/${row.partition}: ${row.previousOffset ?? '-'} → ${row.newOffset}`,
          )
        }
        await confirmOrRefuse(ctx.terminal, `Reset the offsets of ${name}?`, false)
      }
      const done = await post(false)
      ctx.output.success(`Reset ${describe(done)}`)
      ctx.output.list(offsetResetShape, done.partitions, flags)
    }),
  )
}

function groupPath(ctx: Context, group: string) {
  return { org: ctx.org(), cluster: ctx.cluster(), group }
}

/** As Output decides: a table on a terminal and with -o table, data otherwise. */
function wantsTable(ctx: Context, flags: OutputFlags): boolean {
  if (flags.json !== undefined) return false
  return (flags.output ?? (ctx.terminal.stdout.isTTY ? 'table' : 'json')) === 'table'
}

function describe(answer: components['schemas']['OffsetReset']): string {
  return `consumer group ${answer.name}: ${answer.partitions.length} partition(s)`
}

/** The partitions with the client and host of the member that reads each. */
function partitionLines(group: Group): PartitionLine[] {
  const members = new Map(group.members.map((member) => [member.memberId, member]))
  return group.partitions.map((partition) => {
    const member = partition.memberId === null ? undefined : members.get(partition.memberId)
    return { ...partition, clientId: member?.clientId ?? null, host: member?.host ?? null }
  })
}

/** The body of a reset from the flags; a missing or stray --timestamp/--offset is a usage error. */
function resetTarget(flags: {
  to: ResetOffsets['to']
  timestamp?: string
  offset?: number
  topic?: string[]
}): ResetOffsets {
  const topics = flags.topic && flags.topic.length > 0 ? { topics: flags.topic } : {}
  if (flags.to !== 'timestamp' && flags.timestamp !== undefined) {
    throw usageError('--timestamp goes with --to timestamp')
  }
  if (flags.to !== 'offset' && flags.offset !== undefined) {
    throw usageError('--offset goes with --to offset')
  }
  switch (flags.to) {
    case 'earliest':
    case 'latest':
      return { to: flags.to, ...topics }
    case 'timestamp':
      if (flags.timestamp === undefined) {
        throw usageError(
          '--to timestamp needs --timestamp',
          'e.g. --timestamp 2025-06-01T00:00:00Z',
        )
      }
      return { to: 'timestamp', timestamp: isoTime(flags.timestamp), ...topics }
    case 'offset':
      if (flags.offset === undefined) {
        throw usageError('--to offset needs --offset', 'e.g. --offset 0')
      }
      return { to: 'offset', offset: flags.offset, ...topics }
  }
}

/** An ISO time or epoch milliseconds, as the API's ISO time. */
function isoTime(value: string): string {
  const time = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value)
  if (Number.isNaN(time.getTime())) {
    throw usageError(
      `--timestamp ${value} is neither an ISO time nor epoch milliseconds`,
      'e.g. --timestamp 2025-06-01T00:00:00Z or --timestamp 1748736000000',
    )
  }
  return time.toISOString()
}

function offset(value: string): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number) || number < 0)
    throw new InvalidArgumentError('expected an offset: a whole number, 0 or more')
  return number
}

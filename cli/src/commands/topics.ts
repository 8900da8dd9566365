import { type Command, InvalidArgumentError } from 'commander'
import type { Act, Context } from '../context.ts'
import { usageError } from '../errors.ts'
import { withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import { topicShape } from '../shapes/clusters.ts'
import { waitUntilReady } from '../wait.ts'
import { clusterFlag, orgFlag, positiveInteger, timeoutFlag } from './flags.ts'
import { registerMessages } from './messages.ts'
import { allPages } from './pages.ts'

export function registerTopics(program: Command, act: Act): void {
  const topics = program
    .command('topics')
    .description('Topics of a cluster, by their short names (orders, not acme-main.orders)')

  withOutputFlags(
    topics
      .command('list')
      .description('List the topics of the cluster')
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord topics list\n  $ fjord topics list --cluster main --json name,partitions',
      ),
  ).action(
    act(async (ctx, command) => {
      const { org, cluster } = where(ctx)
      const client = ctx.client()
      const items = await allPages((cursor) =>
        ctx.call(
          client.GET('/v1/orgs/{org}/clusters/{cluster}/topics', {
            params: { path: { org, cluster }, query: { cursor } },
          }),
        ),
      )
      ctx.output.list(topicShape, items, command.opts())
    }),
  )

  withOutputFlags(
    topics
      .command('get')
      .description('Show a topic')
      .argument('<name>', 'the topic')
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord topics get orders\n  $ fjord topics get orders -o yaml',
      ),
  ).action(
    act(async (ctx, command) => {
      const [topic] = command.processedArgs as [string]
      ctx.output.one(topicShape, await getTopic(ctx, topic), command.opts())
    }),
  )

  withOutputFlags(
    topics
      .command('create')
      .description('Create a topic (checked against Kafka rules and the quota)')
      .argument('<name>', 'the topic, e.g. orders')
      .option('-p, --partitions <n>', 'partitions (default: the preset’s, else 1)', positiveInteger)
      .option(
        '-r, --replication-factor <n>',
        'replicas of each partition (default: the cluster’s)',
        positiveInteger,
      )
      .option(
        '-c, --config <key=value>',
        'a topic config, repeatable: --config retention.ms=604800000',
        collectConfig,
      )
      .option(
        '--preset <preset>',
        'start from a preset of the API: event-log, iot-stream, logs, cdc, notifications, microservice-events',
      )
      .option('--wait', 'wait until it is Ready')
      .addOption(timeoutFlag())
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'Flags override the preset: --preset logs --partitions 12 keeps the preset’s configs.',
          '',
          'Examples:',
          '  $ fjord topics create orders --partitions 6 --config retention.ms=604800000',
          '  $ fjord topics create clicks --preset event-log --wait',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<{
        partitions?: number
        replicationFactor?: number
        config: Record<string, string>
        preset?: string
        wait?: boolean
        timeout: number
      }>()
      const { org, cluster } = where(ctx)
      const client = ctx.client()
      const preset = flags.preset ? await findPreset(ctx, flags.preset) : undefined
      let topic = await ctx.call(
        client.POST('/v1/orgs/{org}/clusters/{cluster}/topics', {
          params: { path: { org, cluster } },
          body: {
            name,
            partitions: flags.partitions ?? preset?.partitions ?? 1,
            replicationFactor: flags.replicationFactor,
            config: { ...preset?.config, ...flags.config },
          },
        }),
      )
      ctx.output.success(`Created topic ${name} (${topic.kafkaName}) in cluster ${cluster}`)
      if (flags.wait) {
        topic = await waitUntilReady(
          ctx.output,
          `topic ${name}`,
          () => getTopic(ctx, name),
          flags.timeout * 1000,
        )
      }
      ctx.output.one(topicShape, topic, command.opts())
    }),
  )

  withOutputFlags(
    topics
      .command('update')
      .description('Add partitions to a topic or change its configs')
      .argument('<name>', 'the topic')
      .option(
        '-p, --partitions <n>',
        'the new partition count: Kafka only adds partitions',
        positiveInteger,
      )
      .option(
        '-c, --config <key=value>',
        'set a topic config, repeatable: --config retention.ms=86400000',
        collectConfig,
      )
      .option(
        '--remove-config <key>',
        'go back to the cluster’s default for a config, repeatable',
        (key: string, keys: string[] = []) => [...keys, key],
      )
      .option('--wait', 'wait until it is Ready')
      .addOption(timeoutFlag())
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'Configs not named stay as they are.',
          '',
          'Examples:',
          '  $ fjord topics update orders --partitions 12',
          '  $ fjord topics update orders --config retention.ms=86400000 --remove-config cleanup.policy',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<{
        partitions?: number
        config?: Record<string, string>
        removeConfig?: string[]
        wait?: boolean
        timeout: number
      }>()
      const removed = Object.fromEntries((flags.removeConfig ?? []).map((key) => [key, null]))
      const config =
        flags.config || flags.removeConfig ? { ...flags.config, ...removed } : undefined
      if (flags.partitions === undefined && !config) {
        throw usageError('nothing to change', 'pass --partitions, --config or --remove-config')
      }
      const { org, cluster } = where(ctx)
      let topic = await ctx.call(
        ctx.client().PATCH('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
          params: { path: { org, cluster, topic: name } },
          body: { partitions: flags.partitions, config },
        }),
      )
      ctx.output.success(`Updated topic ${name} in cluster ${cluster}`)
      if (flags.wait) {
        topic = await waitUntilReady(
          ctx.output,
          `topic ${name}`,
          () => getTopic(ctx, name),
          flags.timeout * 1000,
        )
      }
      ctx.output.one(topicShape, topic, command.opts())
    }),
  )

  topics
    .command('delete')
    .description('Delete a topic and its messages')
    .argument('<name>', 'the topic')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show what would be deleted, and delete nothing')
    .addOption(clusterFlag())
    .addOption(orgFlag())
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord topics delete orders\n  $ fjord topics delete orders --dry-run\n  $ fjord topics delete orders --yes',
    )
    .action(
      act(async (ctx, command) => {
        const [name] = command.processedArgs as [string]
        const flags = command.opts<{ yes?: boolean; dryRun?: boolean }>()
        const { org, cluster } = where(ctx)
        const topic = await getTopic(ctx, name)
        const what = `topic ${name} (${topic.kafkaName}, ${topic.partitions} partition(s)) of cluster ${cluster} and its messages`
        ctx.output.info(`${flags.dryRun ? 'Would delete' : 'Deletes'} ${what}`)
        if (flags.dryRun) return
        await confirmOrRefuse(ctx.terminal, `Delete ${what}?`, flags.yes)
        await ctx.call(
          ctx.client().DELETE('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
            params: { path: { org, cluster, topic: name } },
          }),
        )
        ctx.output.success(`Deleting topic ${name}`)
      }),
    )

  registerMessages(topics, act)
}

function where(ctx: Context) {
  return { org: ctx.org(), cluster: ctx.cluster() }
}

async function getTopic(ctx: Context, topic: string) {
  const { org, cluster } = where(ctx)
  return ctx.call(
    ctx.client().GET('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
      params: { path: { org, cluster, topic } },
    }),
  )
}

async function findPreset(ctx: Context, id: string) {
  const { items } = await ctx.call(ctx.client().GET('/v1/topic-presets'))
  const preset = items.find((p) => p.id === id)
  if (!preset)
    throw usageError(`no preset ${id}; the API has: ${items.map((p) => p.id).join(', ')}`)
  return { partitions: preset.spec.partitions, config: preset.spec.config }
}

function collectConfig(pair: string, configs: Record<string, string> = {}): Record<string, string> {
  const at = pair.indexOf('=')
  if (at < 1) throw new InvalidArgumentError(`expected key=value, got "${pair}"`)
  return { ...configs, [pair.slice(0, at)]: pair.slice(at + 1) }
}

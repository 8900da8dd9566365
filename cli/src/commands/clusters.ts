import { type Command, Option } from 'commander'
import type { Act, Context } from '../context.ts'
import { usageError } from '../errors.ts'
import { withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import { clusterShape } from '../shapes/clusters.ts'
import { waitUntilReady } from '../wait.ts'
import { orgFlag, timeoutFlag } from './flags.ts'
import { allPages } from './pages.ts'

export function registerClusters(program: Command, act: Act): void {
  const clusters = program.command('clusters').description('Kafka clusters of an organization')

  withOutputFlags(
    clusters
      .command('list')
      .description('List the clusters of the organization')
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord clusters list\n  $ fjord clusters list --org acme --json name,phase',
      ),
  ).action(
    act(async (ctx, command) => {
      ctx.output.list(clusterShape, await listClusters(ctx), command.opts())
    }),
  )

  withOutputFlags(
    clusters
      .command('get')
      .description('Show a cluster')
      .argument('<name>', 'the cluster')
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord clusters get main\n  $ fjord clusters get main --json bootstrapServers',
      ),
  ).action(
    act(async (ctx, command) => {
      const [cluster] = command.processedArgs as [string]
      ctx.output.one(clusterShape, await getCluster(ctx, cluster), command.opts())
    }),
  )

  withOutputFlags(
    clusters
      .command('create')
      .description('Create a cluster (checked against the clusters quota)')
      .argument('<name>', 'the cluster: lowercase letters, digits and dashes, e.g. main')
      .option('--region <region>', 'where it runs (default: the API’s, "local" on the dev stack)')
      .option('--description <text>', 'what it is for')
      .addOption(
        new Option('--type <type>', 'shared or dedicated').choices(['shared', 'dedicated']),
      )
      .option('--wait', 'wait until it is Ready')
      .addOption(timeoutFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord clusters create main\n  $ fjord clusters create analytics --region eu-west-1 --wait',
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<{
        region?: string
        description?: string
        type?: 'shared' | 'dedicated'
        wait?: boolean
        timeout: number
      }>()
      const org = ctx.org()
      let cluster = await ctx.call(
        ctx.client().POST('/v1/orgs/{org}/clusters', {
          params: { path: { org } },
          body: { name, region: flags.region, description: flags.description, type: flags.type },
        }),
      )
      ctx.output.success(`Created cluster ${name} in ${org}`)
      if (flags.wait) {
        cluster = await waitUntilReady(
          ctx.output,
          `cluster ${name}`,
          () => getCluster(ctx, name),
          flags.timeout * 1000,
        )
      }
      ctx.output.one(clusterShape, cluster, command.opts())
    }),
  )

  withOutputFlags(
    clusters
      .command('update')
      .description('Change the description of a cluster')
      .argument('<name>', 'the cluster')
      .option('--description <text>', 'what it is for')
      .option('--wait', 'wait until it is Ready')
      .addOption(timeoutFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'The region and the type stay what the cluster was created with.',
          '',
          'Examples:',
          '  $ fjord clusters update main --description "orders and payments"',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<{ description?: string; wait?: boolean; timeout: number }>()
      if (flags.description === undefined) {
        throw usageError('nothing to change', 'pass --description')
      }
      const { description } = flags
      let cluster = await ctx.call(
        ctx.client().PATCH('/v1/orgs/{org}/clusters/{cluster}', {
          params: { path: { org: ctx.org(), cluster: name } },
          body: { description },
        }),
      )
      ctx.output.success(`Updated cluster ${name}`)
      if (flags.wait) {
        cluster = await waitUntilReady(
          ctx.output,
          `cluster ${name}`,
          () => getCluster(ctx, name),
          flags.timeout * 1000,
        )
      }
      ctx.output.one(clusterShape, cluster, command.opts())
    }),
  )

  clusters
    .command('delete')
    .description('Delete a cluster and every topic and service account in it')
    .argument('<name>', 'the cluster')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show what would be deleted, and delete nothing')
    .addOption(orgFlag())
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord clusters delete old\n  $ fjord clusters delete old --dry-run\n  $ fjord clusters delete old --yes',
    )
    .action(
      act(async (ctx, command) => {
        const [name] = command.processedArgs as [string]
        const flags = command.opts<{ yes?: boolean; dryRun?: boolean }>()
        const org = ctx.org()
        const cluster = await getCluster(ctx, name)
        const client = ctx.client()
        const topics = await allPages((cursor) =>
          ctx.call(
            client.GET('/v1/orgs/{org}/clusters/{cluster}/topics', {
              params: { path: { org, cluster: name }, query: { cursor } },
            }),
          ),
        )
        const what = `cluster ${cluster.name} of ${org} (${cluster.kafkaPrefix}*), with ${topics.length} topic(s)`
        ctx.output.info(`${flags.dryRun ? 'Would delete' : 'Deletes'} ${what}`)
        if (flags.dryRun) return
        await confirmOrRefuse(ctx.terminal, `Delete ${what}?`, flags.yes)
        await ctx.call(
          client.DELETE('/v1/orgs/{org}/clusters/{cluster}', {
            params: { path: { org, cluster: name } },
          }),
        )
        ctx.output.success(`Deleting cluster ${name}`)
      }),
    )
}

async function listClusters(ctx: Context) {
  const org = ctx.org()
  const client = ctx.client()
  return allPages((cursor) =>
    ctx.call(
      client.GET('/v1/orgs/{org}/clusters', { params: { path: { org }, query: { cursor } } }),
    ),
  )
}

async function getCluster(ctx: Context, cluster: string) {
  const org = ctx.org()
  return ctx.call(
    ctx.client().GET('/v1/orgs/{org}/clusters/{cluster}', { params: { path: { org, cluster } } }),
  )
}

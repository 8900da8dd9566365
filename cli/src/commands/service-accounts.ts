import type { Command } from 'commander'
import type { Act, Context } from '../context.ts'
import { usageError } from '../errors.ts'
import { type OutputFlags, withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import { type Acl, serviceAccountShape } from '../shapes/access.ts'
import { waitUntilReady } from '../wait.ts'
import { aclNotationHelp, collectAcl, registerAcls } from './acls.ts'
import { forgetCredential, registerCredentials } from './credentials.ts'
import { clusterFlag, orgFlag, timeoutFlag } from './flags.ts'
import { getServiceAccount, patchServiceAccount, serviceAccountPath } from './lookups.ts'
import { allPages } from './pages.ts'

export function registerServiceAccounts(program: Command, act: Act): void {
  const accounts = program
    .command('service-accounts')
    .description('Kafka principals of a cluster: their ACLs and credentials')

  withOutputFlags(
    accounts
      .command('list')
      .description('List the service accounts of the cluster')
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord service-accounts list\n  $ fjord service-accounts list --json name,acls',
      ),
  ).action(
    act(async (ctx, command) => {
      const { org, cluster } = clusterOf(ctx)
      const client = ctx.client()
      const items = await allPages((cursor) =>
        ctx.call(
          client.GET('/v1/orgs/{org}/clusters/{cluster}/service-accounts', {
            params: { path: { org, cluster }, query: { cursor } },
          }),
        ),
      )
      ctx.output.list(serviceAccountShape, items, command.opts())
    }),
  )

  withOutputFlags(
    accounts
      .command('get')
      .description('Show a service account, its principal and ACLs')
      .argument('<name>', 'the service account')
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord service-accounts get shop\n  $ fjord service-accounts get shop -o yaml',
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      ctx.output.one(serviceAccountShape, await getServiceAccount(ctx, name), command.opts())
    }),
  )

  withOutputFlags(
    accounts
      .command('create')
      .description('Create a service account (a Kafka principal) with its ACLs')
      .argument('<name>', 'the service account, e.g. shop')
      .option('--description <text>', 'what it is for')
      .option('--acl <acl>', 'an ACL, repeatable: --acl topic:orders:read,write', collectAcl)
      .option('--wait', 'wait until it is Ready')
      .addOption(timeoutFlag())
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          aclNotationHelp,
          '',
          'Examples:',
          "  $ fjord service-accounts create shop --acl topic:orders:read,write --acl 'group:shop-*:read'",
          '  $ fjord service-accounts create reports --description "reads the reports" --acl \'topic:reports-*:read\'',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<SpecFlags & WaitFlags & OutputFlags>()
      const { org, cluster } = clusterOf(ctx)
      const created = await ctx.call(
        ctx.client().POST('/v1/orgs/{org}/clusters/{cluster}/service-accounts', {
          params: { path: { org, cluster } },
          body: { name, description: flags.description, acls: flags.acl },
        }),
      )
      ctx.output.success(`Created service account ${name} (${created.principal}) in ${cluster}`)
      ctx.output.one(serviceAccountShape, await waitIfAsked(ctx, name, created, flags), flags)
    }),
  )

  withOutputFlags(
    accounts
      .command('update')
      .description('Change the description or the whole ACL list of a service account')
      .argument('<name>', 'the service account')
      .option('--description <text>', 'what it is for')
      .option(
        '--acl <acl>',
        'an ACL, repeatable; replaces every ACL (to add or remove one: `acl add|remove`)',
        collectAcl,
      )
      .option('--wait', 'wait until it is Ready')
      .addOption(timeoutFlag())
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          aclNotationHelp,
          '',
          'Examples:',
          '  $ fjord service-accounts update shop --description "the web shop"',
          "  $ fjord service-accounts update shop --acl topic:orders:read --acl 'group:shop-*:read'",
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<SpecFlags & WaitFlags & OutputFlags>()
      if (flags.description === undefined && flags.acl === undefined) {
        throw usageError('nothing to change', 'pass --description or --acl')
      }
      const updated = await patchServiceAccount(ctx, name, {
        description: flags.description,
        acls: flags.acl,
      })
      ctx.output.success(`Updated service account ${name}`)
      ctx.output.one(serviceAccountShape, await waitIfAsked(ctx, name, updated, flags), flags)
    }),
  )

  accounts
    .command('delete')
    .description('Delete a service account, its ACLs and its credentials')
    .argument('<name>', 'the service account')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show what would be deleted, and delete nothing')
    .addOption(clusterFlag())
    .addOption(orgFlag())
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord service-accounts delete shop --dry-run\n  $ fjord service-accounts delete shop --yes',
    )
    .action(
      act(async (ctx, command) => {
        const [name] = command.processedArgs as [string]
        const flags = command.opts<{ yes?: boolean; dryRun?: boolean }>()
        const path = serviceAccountPath(ctx, name)
        const account = await getServiceAccount(ctx, name)
        const what = `service account ${name} (${account.principal}) of cluster ${path.cluster}, its ${account.acls.length} ACL(s) and its credentials`
        ctx.output.info(`${flags.dryRun ? 'Would delete' : 'Deletes'} ${what}`)
        if (flags.dryRun) return
        await confirmOrRefuse(ctx.terminal, `Delete ${what}?`, flags.yes)
        await ctx.call(
          ctx
            .client()
            .DELETE('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
              params: { path },
            }),
        )
        await forgetCredential(ctx, path)
        ctx.output.success(`Deleting service account ${name}`)
      }),
    )

  registerAcls(accounts, act)
  registerCredentials(accounts, act)
}

interface SpecFlags {
  description?: string
  acl?: Acl[]
}

interface WaitFlags {
  wait?: boolean
  timeout: number
}

type ServiceAccount = Awaited<ReturnType<typeof getServiceAccount>>

function clusterOf(ctx: Context) {
  return { org: ctx.org(), cluster: ctx.cluster() }
}

function waitIfAsked(
  ctx: Context,
  name: string,
  written: ServiceAccount,
  flags: WaitFlags,
): Promise<ServiceAccount> {
  if (!flags.wait) return Promise.resolve(written)
  return waitUntilReady(
    ctx.output,
    `service account ${name}`,
    () => getServiceAccount(ctx, name),
    flags.timeout * 1000,
  )
}

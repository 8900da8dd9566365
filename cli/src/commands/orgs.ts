import { type Command, Option } from 'commander'
import type { Act, Context } from '../context.ts'
import { usageError } from '../errors.ts'
import { withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import { orgShape } from '../shapes/accounts.ts'
import { type Credentials, withUserSession } from './auth.ts'
import { allPages } from './pages.ts'

const plans = ['free', 'startup', 'business'] as const

export function registerOrgs(program: Command, act: Act): void {
  const orgs = program.command('orgs').description('Organizations you can see')

  withOutputFlags(
    orgs
      .command('list')
      .description('List the organizations you belong to (an API key: its own)')
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord orgs list\n  $ fjord orgs list --json name,plan',
      ),
  ).action(
    act(async (ctx, command) => {
      const client = ctx.client()
      const items = await allPages((cursor) =>
        ctx.call(client.GET('/v1/orgs', { params: { query: { cursor } } })),
      )
      ctx.output.list(orgShape, items, command.opts())
    }),
  )

  withOutputFlags(
    orgs
      .command('get')
      .description('Show an organization')
      .argument('[name]', 'the organization (default: --org, FJORD_ORG or the profile’s)')
      .addHelpText('after', '\nExamples:\n  $ fjord orgs get\n  $ fjord orgs get acme -o yaml'),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string | undefined]
      ctx.output.one(orgShape, await getOrg(ctx, name ?? ctx.org()), command.opts())
    }),
  )

  withOutputFlags(
    orgs
      .command('create')
      .description('Create an organization; you become its owner (needs your email and password)')
      .argument('<name>', 'the organization: lowercase letters, digits and dashes, e.g. acme')
      .option('--display-name <text>', 'how the console shows it (default: the name)')
      .option('--email <email>', 'your email (asked on a terminal)')
      .option('--password <password>', 'your password (asked on a terminal)')
      .option('--password-stdin', 'read the password from stdin')
      .addHelpText(
        'after',
        [
          '',
          'An API key belongs to one organization, so creating one takes your login; then',
          '`fjord login --org <name>` mints a key for it.',
          '',
          'Examples:',
          '  $ fjord orgs create acme-labs --display-name "Acme Labs"',
          '  $ fjord orgs create acme-labs --email ada@example.com --password-stdin < password.txt',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<Credentials & { displayName?: string }>()
      const created = await withUserSession(ctx, flags, (client) =>
        ctx.call(client.POST('/v1/orgs', { body: { name, displayName: flags.displayName } })),
      )
      ctx.output.success(`Created organization ${name}; you are its owner`)
      ctx.output.info(`To work in it: fjord login --org ${name}`)
      ctx.output.one(orgShape, created, command.opts())
    }),
  )

  withOutputFlags(
    orgs
      .command('update')
      .description('Rename an organization or change its plan (owners only)')
      .argument('[name]', 'the organization (default: --org, FJORD_ORG or the profile’s)')
      .option('--display-name <text>', 'how the console shows it')
      .addOption(
        new Option('--plan <plan>', 'a downgrade must fit what is used now').choices(plans),
      )
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord orgs update --display-name "Acme Inc."\n  $ fjord orgs update acme --plan startup',
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string | undefined]
      const flags = command.opts<{ displayName?: string; plan?: (typeof plans)[number] }>()
      if (flags.displayName === undefined && flags.plan === undefined) {
        throw usageError('nothing to change', 'pass --display-name or --plan')
      }
      const org = name ?? ctx.org()
      const updated = await ctx.call(
        ctx.client().PATCH('/v1/orgs/{org}', {
          params: { path: { org } },
          body: { displayName: flags.displayName, plan: flags.plan },
        }),
      )
      ctx.output.success(`Updated organization ${org}`)
      ctx.output.one(orgShape, updated, command.opts())
    }),
  )

  orgs
    .command('delete')
    .description('Delete an organization with no clusters left, its members and keys (owners only)')
    .argument('[name]', 'the organization (default: --org, FJORD_ORG or the profile’s)')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show what would be deleted, and delete nothing')
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord orgs delete acme-labs --dry-run\n  $ fjord orgs delete acme-labs --yes',
    )
    .action(
      act(async (ctx, command) => {
        const [name] = command.processedArgs as [string | undefined]
        const flags = command.opts<{ yes?: boolean; dryRun?: boolean }>()
        const org = await getOrg(ctx, name ?? ctx.org())
        const what = `organization ${org.name} (${org.displayName}, plan ${org.plan}) with its members, invitations, API keys and audit log`
        ctx.output.info(`${flags.dryRun ? 'Would delete' : 'Deletes'} ${what}`)
        if (flags.dryRun) return
        await confirmOrRefuse(ctx.terminal, `Delete ${what}?`, flags.yes)
        await ctx.call(
          ctx.client().DELETE('/v1/orgs/{org}', { params: { path: { org: org.name } } }),
        )
        ctx.output.success(`Deleted organization ${org.name}`)
        await forgetOrg(ctx, org.name)
      }),
    )
}

function getOrg(ctx: Context, org: string) {
  return ctx.call(ctx.client().GET('/v1/orgs/{org}', { params: { path: { org } } }))
}

/** A profile in a deleted org: its key and saved credentials went with the org. */
async function forgetOrg(ctx: Context, org: string): Promise<void> {
  const profile = ctx.profiles().profiles[ctx.settings.profileName]
  if (profile?.org !== org) return
  await ctx.updateProfile(({ credentials, ...rest }) => {
    const { apiKey: _key, apiKeyName: _name, org: _org, cluster: _cluster, ...kept } = rest
    const others = Object.entries(credentials ?? {}).filter(([key]) => !key.startsWith(`${org}/`))
    return { ...kept, credentials: Object.fromEntries(others) }
  })
  ctx.output.info(`The profile's key was ${org}'s: run \`fjord login\` to another organization`)
}

import type { Command } from 'commander'
import type { Act, Context } from '../context.ts'
import { withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import { apiKeyShape, createdApiKeyShape } from '../shapes/access.ts'
import { orgFlag } from './flags.ts'
import { type Role, roleFlag } from './members.ts'
import { allPages } from './pages.ts'

export function registerApiKeys(program: Command, act: Act): void {
  const keys = program.command('api-keys').description('API keys of an organization')

  withOutputFlags(
    keys
      .command('list')
      .description('List the API keys of the organization (never their secrets)')
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord api-keys list\n  $ fjord api-keys list --json name,lastUsedAt',
      ),
  ).action(
    act(async (ctx, command) => {
      const org = ctx.org()
      const client = ctx.client()
      const items = await allPages((cursor) =>
        ctx.call(
          client.GET('/v1/orgs/{org}/api-keys', { params: { path: { org }, query: { cursor } } }),
        ),
      )
      ctx.output.list(apiKeyShape, items, command.opts())
    }),
  )

  withOutputFlags(
    keys
      .command('get')
      .description('Show an API key: its role, prefix and when it was last used')
      .argument('<name>', 'the key')
      .addOption(orgFlag())
      .addHelpText('after', '\nExamples:\n  $ fjord api-keys get ci'),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      ctx.output.one(apiKeyShape, await getKey(ctx, name), command.opts())
    }),
  )

  withOutputFlags(
    keys
      .command('create')
      .description('Mint an API key with a role no higher than yours; its secret is shown once')
      .requiredOption('--name <name>', 'the key: lowercase letters, digits and dashes, e.g. ci')
      .addOption(roleFlag('what the key may do'))
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'The token is shown only now: use it as FJORD_API_KEY or with `fjord login --api-key`.',
          '',
          'Examples:',
          '  $ fjord api-keys create --name ci --role developer',
          '  $ fjord api-keys create --name deploy --role admin --json token',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const { name, role } = command.opts<{ name: string; role: Role }>()
      const org = ctx.org()
      const key = await ctx.call(
        ctx.client().POST('/v1/orgs/{org}/api-keys', {
          params: { path: { org } },
          body: { name, role },
        }),
      )
      ctx.output.success(`Created API key ${name} (${role}) in ${org}; its token is shown only now`)
      ctx.output.one(createdApiKeyShape, key, command.opts())
    }),
  )

  keys
    .command('delete')
    .description('Revoke an API key: it stops working at once')
    .argument('<name>', 'the key')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show what would be revoked, and revoke nothing')
    .addOption(orgFlag())
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord api-keys delete ci --dry-run\n  $ fjord api-keys delete ci --yes',
    )
    .action(
      act(async (ctx, command) => {
        const [name] = command.processedArgs as [string]
        const flags = command.opts<{ yes?: boolean; dryRun?: boolean }>()
        const org = ctx.org()
        const key = await getKey(ctx, name)
        const own = isThisProfilesKey(ctx, org, name) ? ', the key this profile logs in with' : ''
        const what = `API key ${key.name} (${key.role}, ${key.prefix}…${own}) of ${org}`
        ctx.output.info(`${flags.dryRun ? 'Would revoke' : 'Revokes'} ${what}`)
        if (flags.dryRun) return
        await confirmOrRefuse(ctx.terminal, `Revoke ${what}?`, flags.yes)
        await ctx.call(
          ctx.client().DELETE('/v1/orgs/{org}/api-keys/{apiKey}', {
            params: { path: { org, apiKey: name } },
          }),
        )
        ctx.output.success(`Revoked API key ${name}`)
        if (own) {
          await ctx.updateProfile(({ apiKey: _key, apiKeyName: _name, ...rest }) => rest)
          ctx.output.info('This profile is logged out: run `fjord login`')
        }
      }),
    )
}

function getKey(ctx: Context, apiKey: string) {
  const org = ctx.org()
  return ctx.call(
    ctx.client().GET('/v1/orgs/{org}/api-keys/{apiKey}', { params: { path: { org, apiKey } } }),
  )
}

/** Whether `fjord login` minted this key for the profile in use. */
function isThisProfilesKey(ctx: Context, org: string, name: string): boolean {
  const profile = ctx.profiles().profiles[ctx.settings.profileName]
  return profile?.org === org && profile.apiKeyName === name && !ctx.env.apiKey
}

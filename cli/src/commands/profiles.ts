import type { Command } from 'commander'
import type { Act } from '../context.ts'
import { CliError } from '../errors.ts'
import { withOutputFlags } from '../output.ts'
import { type ProfileRow, profileShape } from '../shapes/accounts.ts'

export function registerProfiles(program: Command, act: Act): void {
  const profile = program
    .command('profile')
    .description('Saved profiles: an API URL, a key, a default org and cluster each')
    .addHelpText(
      'after',
      '\nProfiles live in $XDG_CONFIG_HOME/fjord/config.yaml (~/.config/fjord/config.yaml), mode 0600.\n' +
        'Pick one for a command with --profile or FJORD_PROFILE.',
    )

  withOutputFlags(
    profile
      .command('list')
      .description('List the profiles; the current one is marked')
      .addHelpText('after', '\nExamples:\n  $ fjord profile list\n  $ fjord profile list -o yaml'),
  ).action(
    act(async (ctx, command) => {
      const { current, profiles } = ctx.profiles()
      const rows: ProfileRow[] = Object.entries(profiles).map(([name, saved]) => ({
        name,
        current: name === (current ?? 'default'),
        apiUrl: saved.apiUrl ?? null,
        loggedIn: Boolean(saved.apiKey),
        org: saved.org ?? null,
        cluster: saved.cluster ?? null,
      }))
      ctx.output.list(profileShape, rows, command.opts())
    }),
  )

  profile
    .command('use')
    .description('Make a profile the current one (it is made when it does not exist)')
    .argument('<name>', 'the profile')
    .addHelpText('after', '\nExamples:\n  $ fjord profile use staging\n  $ fjord login')
    .action(
      act(async (ctx, command) => {
        const [name] = command.processedArgs as [string]
        const config = ctx.profiles()
        await ctx.writeConfig({
          current: name,
          profiles: { ...config.profiles, [name]: config.profiles[name] ?? {} },
        })
        ctx.output.success(`Using profile ${name}`)
      }),
    )

  profile
    .command('delete')
    .description('Forget a profile and its key (run `fjord logout` first to revoke the key)')
    .argument('<name>', 'the profile')
    .addHelpText('after', '\nExamples:\n  $ fjord profile delete staging')
    .action(
      act(async (ctx, command) => {
        const [name] = command.processedArgs as [string]
        const { current, profiles } = ctx.profiles()
        if (!profiles[name])
          throw new CliError(`no profile ${name}`, { suggestion: 'see `fjord profile list`' })
        const { [name]: _gone, ...rest } = profiles
        await ctx.writeConfig({ current: current === name ? undefined : current, profiles: rest })
        ctx.output.success(`Deleted profile ${name}`)
      }),
    )

  const use = program
    .command('use')
    .description("Set the profile's default org or cluster")
    .addHelpText('after', '\nExamples:\n  $ fjord use org acme\n  $ fjord use cluster main')

  use
    .command('org')
    .description('Act in this organization by default (it forgets the default cluster of another)')
    .argument('<name>', 'the organization')
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord use org acme\n  $ fjord --profile staging use org acme',
    )
    .action(
      act(async (ctx, command) => {
        const [org] = command.processedArgs as [string]
        await ctx.call(ctx.client().GET('/v1/orgs/{org}', { params: { path: { org } } }))
        await ctx.updateProfile((saved) => ({
          ...saved,
          org,
          ...(saved.org === org ? {} : { cluster: undefined }),
        }))
        ctx.output.success(`Using organization ${org}`)
      }),
    )

  use
    .command('cluster')
    .description('Act on this cluster by default')
    .argument('<name>', 'the cluster')
    .option('--org <name>', 'the organization of the cluster (default: the profile’s)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord use cluster main\n  $ fjord use cluster main --org acme',
    )
    .action(
      act(async (ctx, command) => {
        const [cluster] = command.processedArgs as [string]
        const org = ctx.org()
        await ctx.call(
          ctx
            .client()
            .GET('/v1/orgs/{org}/clusters/{cluster}', { params: { path: { org, cluster } } }),
        )
        await ctx.updateProfile((saved) => ({ ...saved, org, cluster }))
        ctx.output.success(`Using cluster ${cluster} of ${org}`)
      }),
    )
}

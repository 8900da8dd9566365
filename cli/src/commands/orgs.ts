import type { Command } from 'commander'
import type { Act } from '../context.ts'
import { withOutputFlags } from '../output.ts'
import { orgShape } from '../shapes/accounts.ts'
import { allPages } from './pages.ts'

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
      const org = name ?? ctx.org()
      const found = await ctx.call(
        ctx.client().GET('/v1/orgs/{org}', { params: { path: { org } } }),
      )
      ctx.output.one(orgShape, found, command.opts())
    }),
  )
}

import type { components } from '@fjord/client/schema'
import { type Command, Option } from 'commander'
import type { Act, Context } from '../context.ts'
import { withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import { memberShape } from '../shapes/members.ts'
import { orgFlag } from './flags.ts'
import { allPages } from './pages.ts'

export type Role = components['schemas']['Role']

/** The roles of an org, least first (see docs/api.md#roles). */
export const roles = ['viewer', 'developer', 'admin', 'owner'] as const satisfies readonly Role[]

export const roleFlag = (description: string) =>
  new Option('--role <role>', description).choices(roles).makeOptionMandatory()

export function registerMembers(program: Command, act: Act): void {
  const members = program
    .command('members')
    .description('Members of an organization and their roles')

  withOutputFlags(
    members
      .command('list')
      .description('List the members of the organization and their roles')
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord members list\n  $ fjord members list --json email,role',
      ),
  ).action(
    act(async (ctx, command) => {
      const org = ctx.org()
      const client = ctx.client()
      const items = await allPages((cursor) =>
        ctx.call(
          client.GET('/v1/orgs/{org}/members', { params: { path: { org }, query: { cursor } } }),
        ),
      )
      ctx.output.list(memberShape, items, command.opts())
    }),
  )

  withOutputFlags(
    members
      .command('get')
      .description('Show a member')
      .argument('<email>', 'the member')
      .addOption(orgFlag())
      .addHelpText('after', '\nExamples:\n  $ fjord members get ada@example.com'),
  ).action(
    act(async (ctx, command) => {
      const [email] = command.processedArgs as [string]
      ctx.output.one(memberShape, await getMember(ctx, email), command.opts())
    }),
  )

  withOutputFlags(
    members
      .command('update')
      .description('Change the role of a member (only owners grant or take away owner)')
      .argument('<email>', 'the member')
      .addOption(roleFlag('the new role'))
      .addOption(orgFlag())
      .addHelpText('after', '\nExamples:\n  $ fjord members update ada@example.com --role admin'),
  ).action(
    act(async (ctx, command) => {
      const [email] = command.processedArgs as [string]
      const { role } = command.opts<{ role: Role }>()
      const org = ctx.org()
      const member = await ctx.call(
        ctx.client().PATCH('/v1/orgs/{org}/members/{email}', {
          params: { path: { org, email } },
          body: { role },
        }),
      )
      ctx.output.success(`${email} is now ${role} in ${org}`)
      ctx.output.one(memberShape, member, command.opts())
    }),
  )

  members
    .command('remove')
    .alias('delete')
    .description('Remove a member from the organization (the last owner stays)')
    .argument('<email>', 'the member')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show who would be removed, and remove nobody')
    .addOption(orgFlag())
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord members remove ada@example.com --dry-run\n  $ fjord members remove ada@example.com --yes',
    )
    .action(
      act(async (ctx, command) => {
        const [email] = command.processedArgs as [string]
        const flags = command.opts<{ yes?: boolean; dryRun?: boolean }>()
        const org = ctx.org()
        const member = await getMember(ctx, email)
        const what = `${member.email} (${member.role}) from ${org}`
        ctx.output.info(`${flags.dryRun ? 'Would remove' : 'Removes'} ${what}`)
        if (flags.dryRun) return
        await confirmOrRefuse(ctx.terminal, `Remove ${what}?`, flags.yes)
        await ctx.call(
          ctx.client().DELETE('/v1/orgs/{org}/members/{email}', {
            params: { path: { org, email } },
          }),
        )
        ctx.output.success(`Removed ${what}`)
      }),
    )
}

function getMember(ctx: Context, email: string) {
  const org = ctx.org()
  return ctx.call(
    ctx.client().GET('/v1/orgs/{org}/members/{email}', { params: { path: { org, email } } }),
  )
}

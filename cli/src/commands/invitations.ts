import type { Command } from 'commander'
import type { Act, Context } from '../context.ts'
import { CliError } from '../errors.ts'
import { withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import { createdInvitationShape, invitationShape, joinedShape } from '../shapes/members.ts'
import { type Credentials, withUserSession } from './auth.ts'
import { orgFlag } from './flags.ts'
import { type Role, roleFlag } from './members.ts'
import { allPages } from './pages.ts'

export function registerInvitations(program: Command, act: Act): void {
  const invitations = program
    .command('invitations')
    .description('Invitations to join an organization')

  withOutputFlags(
    invitations
      .command('list')
      .description('List the pending invitations of the organization')
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord invitations list\n  $ fjord invitations list --json email,expiresAt',
      ),
  ).action(
    act(async (ctx, command) => {
      ctx.output.list(invitationShape, await listInvitations(ctx), command.opts())
    }),
  )

  withOutputFlags(
    invitations
      .command('create')
      .description('Invite someone by email with a role; the token is shown once')
      .requiredOption('--email <email>', 'whom to invite')
      .addOption(roleFlag('the role they get'))
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'Send them the token: they join with `fjord invitations accept <token>`, logged in',
          'with the email it was sent to.',
          '',
          'Examples:',
          '  $ fjord invitations create --email grace@example.com --role developer',
          '  $ fjord invitations create --email grace@example.com --role admin --json token',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const { email, role } = command.opts<{ email: string; role: Role }>()
      const org = ctx.org()
      const invitation = await ctx.call(
        ctx.client().POST('/v1/orgs/{org}/invitations', {
          params: { path: { org } },
          body: { email, role },
        }),
      )
      ctx.output.success(`Invited ${email} to ${org} as ${role}; the token is shown only now`)
      ctx.output.one(createdInvitationShape, invitation, command.opts())
    }),
  )

  invitations
    .command('delete')
    .description('Revoke a pending invitation')
    .argument('<invitation>', 'the invitation: its id or the email it was sent to')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show what would be revoked, and revoke nothing')
    .addOption(orgFlag())
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord invitations delete grace@example.com --dry-run\n  $ fjord invitations delete 3f0c1a52-6c0e-4f47-9a57-2f6f2bb3b1a1 --yes',
    )
    .action(
      act(async (ctx, command) => {
        const [wanted] = command.processedArgs as [string]
        const flags = command.opts<{ yes?: boolean; dryRun?: boolean }>()
        const org = ctx.org()
        const invitation = (await listInvitations(ctx)).find(
          (each) => each.id === wanted || each.email === wanted,
        )
        if (!invitation) {
          throw new CliError(`no pending invitation ${wanted} in ${org}`, {
            suggestion: 'see `fjord invitations list`',
          })
        }
        const what = `the invitation of ${invitation.email} to ${org} as ${invitation.role}`
        ctx.output.info(`${flags.dryRun ? 'Would revoke' : 'Revokes'} ${what}`)
        if (flags.dryRun) return
        await confirmOrRefuse(ctx.terminal, `Revoke ${what}?`, flags.yes)
        await ctx.call(
          ctx.client().DELETE('/v1/orgs/{org}/invitations/{invitation}', {
            params: { path: { org, invitation: invitation.id } },
          }),
        )
        ctx.output.success(`Revoked ${what}`)
      }),
    )

  withOutputFlags(
    invitations
      .command('accept')
      .description('Join an organization with the token of an invitation sent to your email')
      .argument('<token>', 'the token of the invitation')
      .option('--email <email>', 'your email, the one invited (asked on a terminal)')
      .option('--password <password>', 'your password (asked on a terminal)')
      .option('--password-stdin', 'read the password from stdin')
      .addHelpText(
        'after',
        [
          '',
          'Accepting takes your login, not an API key: a key belongs to one organization.',
          '',
          'Examples:',
          '  $ fjord invitations accept Xk3v9QxH2mWn…',
          '  $ fjord invitations accept Xk3v9QxH2mWn… --email grace@example.com --password-stdin < password.txt',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [token] = command.processedArgs as [string]
      const flags = command.opts<Credentials>()
      const joined = await withUserSession(ctx, flags, (client) =>
        ctx.call(client.POST('/v1/invitations/accept', { body: { token } })),
      )
      ctx.output.success(`Joined ${joined.organization} as ${joined.role}`)
      ctx.output.info(
        joined.role === 'admin' || joined.role === 'owner'
          ? `To work in it: fjord login --org ${joined.organization}`
          : `To work in it, ask an admin of ${joined.organization} for an API key: fjord login --api-key <key>`,
      )
      ctx.output.one(joinedShape, joined, command.opts())
    }),
  )
}

function listInvitations(ctx: Context) {
  const org = ctx.org()
  const client = ctx.client()
  return allPages((cursor) =>
    ctx.call(
      client.GET('/v1/orgs/{org}/invitations', { params: { path: { org }, query: { cursor } } }),
    ),
  )
}

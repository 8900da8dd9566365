import type { components } from '@fjord/client/schema'
import type { Command } from 'commander'
import type { Act } from '../context.ts'
import { withOutputFlags } from '../output.ts'
import { auditEventShape } from '../shapes/usage.ts'
import { orgFlag, positiveInteger } from './flags.ts'

/** The most the API answers in one page. */
const pageLimit = 500

export function registerAudit(program: Command, act: Act): void {
  const audit = program.command('audit').description('Who changed what in an organization')

  withOutputFlags(
    audit
      .command('list')
      .description('List the accepted changes of the organization, newest first (admins)')
      .option('--action <action>', 'only this action, e.g. topic.create')
      .option('--target-type <type>', 'only changes of this kind of resource, e.g. topic')
      .option('--limit <n>', 'at most this many events', positiveInteger, 50)
      .option('--all', 'every event, however many (no --limit)')
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'Examples:',
          '  $ fjord audit list',
          '  $ fjord audit list --action topic.delete --limit 10',
          '  $ fjord audit list --target-type service_account --all -o json',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const flags = command.opts<{
        action?: string
        targetType?: string
        limit: number
        all?: boolean
      }>()
      const org = ctx.org()
      const client = ctx.client()
      const wanted = flags.all ? Number.POSITIVE_INFINITY : flags.limit
      const events: components['schemas']['AuditEvent'][] = []
      let cursor: string | undefined
      do {
        const page = await ctx.call(
          client.GET('/v1/orgs/{org}/audit-events', {
            params: {
              path: { org },
              query: {
                action: flags.action,
                targetType: flags.targetType,
                cursor,
                limit: Math.min(pageLimit, wanted - events.length),
              },
            },
          }),
        )
        events.push(...page.items)
        cursor = page.nextCursor ?? undefined
      } while (cursor && events.length < wanted)
      ctx.output.list(auditEventShape, events, command.opts())
    }),
  )
}

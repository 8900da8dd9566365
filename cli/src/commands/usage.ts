import { type Command, Option } from 'commander'
import type { Act } from '../context.ts'
import { usageError } from '../errors.ts'
import { withOutputFlags } from '../output.ts'
import { usagePointShape } from '../shapes/usage.ts'
import { orgFlag } from './flags.ts'

const units: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A time from the command line: `now`, an ISO date or date-time (`2026-03-01`,
 * `2026-03-01T10:00:00Z`), or a while before `now` (`30m`, `24h`, `7d`).
 */
export function parseWhen(text: string, now: Date): Date {
  if (text === 'now') return now
  const ago = /^(\d+)([mhd])$/.exec(text)
  if (ago) return new Date(now.getTime() - Number(ago[1]) * (units[ago[2] as string] ?? 0))
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : undefined
  if (!at || Number.isNaN(at.getTime())) {
    throw usageError(
      `expected now, a date (2026-03-01), a date-time (2026-03-01T10:00:00Z) or a while ago (30m, 24h, 7d); got "${text}"`,
    )
  }
  return at
}

export function registerUsage(program: Command, act: Act): void {
  withOutputFlags(
    program
      .command('usage')
      .description('Usage of an organization over time: partitions, storage, messages in')
      .option('--from <when>', 'where the range starts: a date, a date-time or a while ago', '24h')
      .option('--to <when>', 'where the range ends', 'now')
      .addOption(
        new Option('--granularity <granularity>', 'one point per sample, hour or day')
          .choices(['raw', 'hour', 'day'])
          .default('hour'),
      )
      .option('--cluster <name>', 'only this cluster (default: the whole organization)')
      .option('--topic <name>', 'only this topic of the cluster (--cluster, else the default one)')
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'Messages in add up over a point; partitions and storage are the highest of it.',
          '',
          'Examples:',
          '  $ fjord usage',
          '  $ fjord usage --from 7d --granularity day',
          '  $ fjord usage --from 2026-03-01 --to 2026-03-02 --cluster main --topic orders -o json',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const flags = command.opts<{
        from: string
        to: string
        granularity: 'raw' | 'hour' | 'day'
        cluster?: string
        topic?: string
      }>()
      const now = new Date()
      const from = parseWhen(flags.from, now).toISOString()
      const to = parseWhen(flags.to, now).toISOString()
      // The cluster is a filter here: the default one counts only for a topic, which needs one.
      const cluster = flags.cluster ?? (flags.topic ? ctx.cluster() : undefined)
      const org = ctx.org()
      const usage = await ctx.call(
        ctx.client().GET('/v1/orgs/{org}/usage', {
          params: {
            path: { org },
            query: { from, to, granularity: flags.granularity, cluster, topic: flags.topic },
          },
        }),
      )
      const of = [org, cluster, flags.topic].filter(Boolean).join('/')
      ctx.output.info(
        `Usage of ${of} by ${usage.granularity}, from ${usage.from} to ${usage.to}: ${usage.points.length} point(s)`,
      )
      ctx.output.list(usagePointShape, usage.points, command.opts())
    }),
  )
}

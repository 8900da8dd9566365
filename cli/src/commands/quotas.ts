import { type Command, InvalidArgumentError } from 'commander'
import type { Act } from '../context.ts'
import { CliError, usageError } from '../errors.ts'
import { withOutputFlags } from '../output.ts'
import { quotaRows, quotaShape, quotaViolationShape } from '../shapes/usage.ts'
import { orgFlag } from './flags.ts'

export function registerQuotas(program: Command, act: Act): void {
  const quotas = withOutputFlags(
    program
      .command('quotas')
      .description('What an organization may use, and how much it uses')
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'Each limit of the plan (or of a platform admin’s override) with its current use;',
          'retention has no use to add up.',
          '',
          'Examples:',
          '  $ fjord quotas',
          '  $ fjord quotas -o json',
          '  $ fjord quotas check --topics 3 --partitions 18',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const org = ctx.org()
      const quota = await ctx.call(
        ctx.client().GET('/v1/orgs/{org}/quotas', { params: { path: { org } } }),
      )
      ctx.output.info(`${org} is on the ${quota.plan} plan`)
      ctx.output.list(quotaShape, quotaRows(quota), command.opts())
    }),
  )

  withOutputFlags(
    quotas
      .command('check')
      .description('Whether a planned change fits the quota; changes nothing')
      .option('--clusters <n>', 'clusters to add (negative: to remove)', integer)
      .option('--topics <n>', 'topics to add (negative: to remove)', integer)
      .option('--partitions <n>', 'partitions to add (negative: to remove)', integer)
      .option('--retention-ms <ms>', 'the longest retention asked for (-1: forever)', integer)
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'Prints the limits it would go over (none when it fits) and exits 1 unless it fits,',
          'so a script can ask first: fjord quotas check --topics 3 && fjord apply -f fjord.yaml',
          '',
          'Examples:',
          '  $ fjord quotas check --topics 3 --partitions 18',
          '  $ fjord quotas check --retention-ms 2592000000 -o json',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const { clusters, topics, partitions, retentionMs } = command.opts<{
        clusters?: number
        topics?: number
        partitions?: number
        retentionMs?: number
      }>()
      const change = { clusters, topics, partitions, retentionMs }
      if (Object.values(change).every((value) => value === undefined)) {
        throw usageError(
          'nothing to check',
          'pass --clusters, --topics, --partitions or --retention-ms',
        )
      }
      const org = ctx.org()
      const check = await ctx.call(
        ctx.client().POST('/v1/orgs/{org}/quotas/check', {
          params: { path: { org } },
          body: change,
        }),
      )
      ctx.output.list(quotaViolationShape, check.violations, command.opts())
      if (!check.fits) {
        throw new CliError(`it does not fit the quota of ${org}`, {
          suggestion: 'raise the quota (a platform admin can) or delete what you no longer use',
        })
      }
      ctx.output.success(`It fits the quota of ${org}`)
    }),
  )
}

function integer(value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number)) throw new InvalidArgumentError('expected a whole number')
  return number
}

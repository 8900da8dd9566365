import { readFile, writeFile } from 'node:fs/promises'
import { type Command, Option } from 'commander'
import type { Act, Context } from '../context.ts'
import { applyPlan } from '../declarative/apply.ts'
import { type Planned, planOf } from '../declarative/diff.ts'
import { exportedFile, fileText, readForExport } from '../declarative/export.ts'
import { type ParsedFile, parseDeclaredFile } from '../declarative/file.ts'
import { hasChanges, type Plan, summaryOf } from '../declarative/plan.ts'
import { assertPlanFits, readOrgState } from '../declarative/remote.ts'
import { renderPlan } from '../declarative/render.ts'
import { changesPending, usageError } from '../errors.ts'
import { confirmOrRefuse, readStdin } from '../prompts.ts'
import { planShape } from '../shapes/declarative.ts'
import { orgFlag } from './flags.ts'

interface PlanFlags {
  file: string
  prune?: boolean
  output?: 'text' | 'json' | 'yaml'
  json?: string | true
  org?: string
}

export function registerDeclarative(program: Command, act: Act): void {
  planFlags(
    program
      .command('plan')
      .description('Show what apply would change so that the org matches a declarative file'),
  )
    .option(
      '--detailed-exitcode',
      'exit 0 with no changes, 2 with changes pending, 1 on an error (as terraform’s)',
    )
    .addHelpText(
      'after',
      [
        '',
        'Reads every cluster, topic and service account the file names; writes nothing.',
        'The file format and an example: docs/cli.md, "Declarative files".',
        '',
        'Examples:',
        '  $ fjord plan -f fjord.yaml',
        '  $ fjord plan -f fjord.yaml --prune -o json',
        '  $ fjord plan --detailed-exitcode || echo "changes pending (2) or an error (1)"',
        '  $ fjord export | fjord plan -f -',
      ].join('\n'),
    )
    .action(
      act(async (ctx, command) => {
        const flags = command.opts<PlanFlags & { detailedExitcode?: boolean }>()
        const { planned } = await makePlan(ctx, flags)
        show(ctx, planned.plan, flags)
        if (flags.detailedExitcode && hasChanges(planned.plan)) throw changesPending()
      }),
    )

  planFlags(
    program
      .command('apply')
      .description('Change the org so that it matches a declarative file, after showing the plan'),
  )
    .option('--auto-approve', 'do not ask before applying')
    .option('-y, --yes', 'the same as --auto-approve')
    .option('--dry-run', 'show the plan and apply nothing')
    .addHelpText(
      'after',
      [
        '',
        'Every change is first checked by the API (each cluster’s topics in a dry run, the',
        'quota for all of it), so a file the API refuses changes nothing. On a terminal',
        'apply asks before changing anything; elsewhere it needs --auto-approve.',
        '',
        'Examples:',
        '  $ fjord apply -f fjord.yaml',
        '  $ fjord apply -f fjord.yaml --prune --dry-run',
        '  $ fjord apply -f fjord.yaml --auto-approve -o json',
      ].join('\n'),
    )
    .action(
      act(async (ctx, command) => {
        const flags = command.opts<
          PlanFlags & { autoApprove?: boolean; yes?: boolean; dryRun?: boolean }
        >()
        const { planned, parsed } = await makePlan(ctx, flags)
        const { plan } = planned
        if (!wantsData(flags)) ctx.output.write(renderPlan(plan, paint(ctx)))
        if (!hasChanges(plan) || flags.dryRun) {
          if (wantsData(flags)) show(ctx, plan, flags)
          if (flags.dryRun && hasChanges(plan)) ctx.output.info('Dry run: nothing was applied.')
          return
        }
        await approve(ctx, plan, Boolean(flags.autoApprove || flags.yes))
        await applyPlan(ctx, planned, parsed)
        if (wantsData(flags)) show(ctx, plan, flags)
        const { add, change, destroy } = summaryOf(plan)
        ctx.output.success(
          `Apply complete! Resources: ${add} added, ${change} changed, ${destroy} destroyed.`,
        )
      }),
    )

  program
    .command('export')
    .description('Write what the org holds as a declarative file, for plan and apply')
    .option('--cluster <name>', 'only this cluster (default: every cluster of the org)')
    .option('-f, --file <path>', 'write to this file (default: stdout)')
    .option('--force', 'overwrite the file if it exists')
    .addOption(orgFlag())
    .addHelpText(
      'after',
      [
        '',
        'Topics carry the configs set on them, not the broker’s defaults; what is being',
        'deleted is left out. A plan of the file right after shows no changes.',
        'A file of one cluster says nothing of the others: `apply --prune` would delete them.',
        '',
        'Examples:',
        '  $ fjord export -f fjord.yaml',
        '  $ fjord export --cluster main > main.yaml',
      ].join('\n'),
    )
    .action(
      act(async (ctx, command) => {
        const flags = command.opts<{ cluster?: string; file?: string; force?: boolean }>()
        const org = ctx.org()
        const contents = await readForExport(ctx, org, flags.cluster)
        const how = `fjord export${flags.cluster ? ` --cluster ${flags.cluster}` : ''}`
        const text = fileText(exportedFile(org, contents), how)
        if (!flags.file || flags.file === '-') {
          ctx.output.write(text)
          return
        }
        await writeNew(flags.file, text, Boolean(flags.force))
        const count = (of: (c: (typeof contents)[number]) => unknown[]) =>
          contents.reduce((sum, c) => sum + of(c).length, 0)
        ctx.output.success(
          `Wrote ${flags.file}: ${contents.length} cluster(s), ${count((c) => c.topics)} topic(s), ${count((c) => c.serviceAccounts)} service account(s) of org ${org}`,
        )
      }),
    )
}

/** The flags plan and apply share. */
function planFlags(command: Command): Command {
  return command
    .option('-f, --file <path>', 'the declarative file, or - for stdin', 'fjord.yaml')
    .option('--prune', 'also delete what the file does not list')
    .addOption(
      // Text is the default even when piped: a plan is read in CI logs, as terraform's is.
      new Option('-o, --output <format>', 'the plan as text (the default), json or yaml').choices([
        'text',
        'json',
        'yaml',
      ]),
    )
    .option('--json [fields]', 'print the plan as JSON with only these fields; alone, list them')
    .addOption(orgFlag())
}

/** Reads the file, the API's state and its dry runs, and checks the quota: no writes. */
async function makePlan(
  ctx: Context,
  flags: PlanFlags,
): Promise<{ planned: Planned; parsed: ParsedFile }> {
  const parsed = await readDeclaredFile(ctx, flags.file)
  const org = orgOf(ctx, parsed, flags.org)
  const prune = Boolean(flags.prune)
  const state = await readOrgState(ctx, org, parsed, prune)
  const planned = planOf(parsed, state, prune)
  await assertPlanFits(ctx, org, planned.quota)
  return { planned, parsed }
}

async function readDeclaredFile(ctx: Context, path: string): Promise<ParsedFile> {
  if (path === '-') return parseDeclaredFile(await readStdin(ctx.terminal.stdin), 'stdin')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw usageError(
      `no file ${path}`,
      'pass -f <file>, or write one from what the org holds with `fjord export -f fjord.yaml`',
    )
  }
  return parseDeclaredFile(text, path)
}

/** The file's `org:`, else --org, FJORD_ORG or the profile's; --org may not contradict it. */
function orgOf(ctx: Context, parsed: ParsedFile, flag: string | undefined): string {
  const declared = parsed.file.org
  if (declared && flag && flag !== declared) {
    throw usageError(
      `the file is for org ${declared}, but --org says ${flag}`,
      'drop --org, or change org: in the file',
    )
  }
  return declared ?? ctx.org()
}

const wantsData = (flags: PlanFlags) =>
  flags.json !== undefined || flags.output === 'json' || flags.output === 'yaml'

function show(ctx: Context, plan: Plan, flags: PlanFlags): void {
  if (!wantsData(flags)) {
    ctx.output.write(renderPlan(plan, paint(ctx)))
    return
  }
  const output = flags.output === 'text' ? undefined : flags.output
  ctx.output.one(planShape, plan, { output, json: flags.json })
}

const paint = (ctx: Context) => (style: Parameters<Context['output']['style']>[0], text: string) =>
  ctx.output.style(style, text)

async function approve(ctx: Context, plan: Plan, autoApprove: boolean): Promise<void> {
  if (autoApprove) return
  if (!ctx.terminal.interactive) {
    throw usageError(
      'refusing to apply without --auto-approve when not on a terminal',
      'review it with `fjord plan`, then run `fjord apply --auto-approve`',
    )
  }
  const { destroy } = summaryOf(plan)
  const question =
    destroy > 0 ? `Apply these changes, deleting ${destroy}?` : 'Apply these changes?'
  await confirmOrRefuse(ctx.terminal, question, false)
}

/** Writes a new file; an existing one only with --force. */
async function writeNew(path: string, text: string, force: boolean): Promise<void> {
  try {
    await writeFile(path, text, { flag: force ? 'w' : 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    throw usageError(`${path} exists`, 'pass --force to overwrite it, or choose another -f')
  }
}

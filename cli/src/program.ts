import { Command, CommanderError } from 'commander'
import { registerApiKeys } from './commands/api-keys.ts'
import { registerAudit } from './commands/audit.ts'
import { registerAuth } from './commands/auth.ts'
import { registerClusters } from './commands/clusters.ts'
import { registerCompletion } from './commands/completion.ts'
import { registerDeclarative } from './commands/declarative.ts'
import { registerGroups } from './commands/groups.ts'
import { registerInvitations } from './commands/invitations.ts'
import { registerMembers } from './commands/members.ts'
import { registerOrgs } from './commands/orgs.ts'
import { registerProfiles } from './commands/profiles.ts'
import { registerQuotas } from './commands/quotas.ts'
import { registerServiceAccounts } from './commands/service-accounts.ts'
import { registerTopics } from './commands/topics.ts'
import { registerUsage } from './commands/usage.ts'
import type { Environment } from './config.ts'
import { actions } from './context.ts'
import { CliError, Exit, type ExitCode, exitCodes, exitCodesHelp } from './errors.ts'
import type { Terminal } from './output.ts'

export const version = '0.1.0'

type Streams = Omit<Terminal, 'color' | 'quiet'>

/** The whole command tree; each group registers itself from its own module. */
export function buildProgram(env: Environment, streams: Streams): Command {
  const program = new Command('fjord')
    .description('Fjord from the terminal: accounts, organizations, clusters and topics')
    .version(version, '-v, --version')
    .option('--profile <name>', 'the profile to use (default: FJORD_PROFILE, then the current one)')
    .option(
      '--api-url <url>',
      'the API (default: FJORD_API_URL, then the profile’s, then http://127.0.0.1:8080)',
    )
    .option('-q, --quiet', 'print no status lines or spinners, only the data asked for')
    .option('--no-color', 'no colours (also NO_COLOR)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: true })
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    })
    .exitOverride()
    .showHelpAfterError()
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fjord signup',
        '  $ fjord clusters create main && fjord use cluster main',
        '  $ fjord topics create orders --partitions 6 --wait',
        '  $ fjord topics list -o yaml',
        '',
        'Exit codes: `fjord help exit-codes`.',
      ].join('\n'),
    )

  const act = actions(env, streams)
  registerAuth(program, act)
  registerProfiles(program, act)
  registerOrgs(program, act)
  registerClusters(program, act)
  registerTopics(program, act)
  registerMembers(program, act)
  registerInvitations(program, act)
  registerApiKeys(program, act)
  registerServiceAccounts(program, act)
  registerQuotas(program, act)
  registerUsage(program, act)
  registerAudit(program, act)
  registerDeclarative(program, act)
  registerGroups(program, act)
  registerCompletion(program, act)
  program
    .command('help-exit-codes', { hidden: true })
    .action(() => void streams.stdout.write(exitCodesHelp))
  return program
}

/** Runs fjord with `argv` (no node and script), answering the exit code instead of exiting. */
export async function run(argv: string[], env: Environment, streams: Streams): Promise<ExitCode> {
  const program = buildProgram(env, streams)
  // `fjord help exit-codes`, as gh has it; `fjord help <command>` stays commander's.
  const args = argv[0] === 'help' && argv[1] === 'exit-codes' ? ['help-exit-codes'] : argv
  try {
    await program.parseAsync(args, { from: 'user' })
    return exitCodes.ok
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end the program through here too; commander printed the usage.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage
    }
    if (error instanceof Exit) return error.exitCode
    if (error instanceof CliError) {
      report(streams, error)
      return error.exitCode
    }
    throw error
  }
}

function report(streams: Streams, error: CliError): void {
  const lines = [`error: ${error.message}`, ...error.details.map((detail) => `  ${detail}`)]
  if (error.suggestion) lines.push(`hint: ${error.suggestion}`)
  streams.stderr.write(`${lines.join('\n')}\n`)
}

import type { Problem } from '@fjord/client'

/** Exit codes a script can rely on, as gh's: see `fjord help exit-codes`. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  /** A bad flag or argument, or a prompt the user cancelled. */
  usage: 2,
  /** `fjord plan --detailed-exitcode`: the plan has changes to make (as terraform's). */
  changesPending: 2,
  notLoggedIn: 4,
} as const

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes]

/** A failure to show the user as one line, with a suggestion when there is one. */
export class CliError extends Error {
  readonly exitCode: ExitCode
  readonly suggestion: string | undefined
  /** Lines shown under the message, e.g. one per field error. */
  readonly details: string[]

  constructor(
    message: string,
    options: { exitCode?: ExitCode; suggestion?: string; details?: string[] } = {},
  ) {
    super(message)
    this.name = 'CliError'
    this.exitCode = options.exitCode ?? exitCodes.failure
    this.suggestion = options.suggestion
    this.details = options.details ?? []
  }
}

export const notLoggedIn = () =>
  new CliError('not logged in', {
    exitCode: exitCodes.notLoggedIn,
    suggestion: 'run `fjord login`, or set FJORD_API_KEY',
  })

/** Ends fjord with `exitCode` and no error line: the command has said all there is to say. */
export class Exit extends Error {
  readonly exitCode: ExitCode

  constructor(exitCode: ExitCode) {
    super(`exit ${exitCode}`)
    this.name = 'Exit'
    this.exitCode = exitCode
  }
}

/** `plan --detailed-exitcode` with changes pending, as terraform's. */
export const changesPending = () => new Exit(exitCodes.changesPending)

export const usageError = (message: string, suggestion?: string) =>
  new CliError(message, { exitCode: exitCodes.usage, suggestion })

/** A problem+json answer of the API as one clear line, its field errors and a suggestion. */
export function problemError(problem: Problem): CliError {
  const details = (problem.errors ?? []).map((e) => `${e.path || '(body)'}: ${e.message}`)
  switch (problem.code) {
    case 'unauthorized':
      return new CliError(`${problem.detail} (unauthorized)`, {
        exitCode: exitCodes.notLoggedIn,
        suggestion: 'run `fjord login`, or check FJORD_API_KEY',
      })
    case 'quota_exceeded':
      return new CliError(quotaLine(problem), {
        suggestion: 'raise the quota (a platform admin can) or delete what you no longer use',
      })
    case 'forbidden':
      return new CliError(`${problem.detail} (forbidden)`, {
        suggestion: 'ask an admin of the organization for a higher role',
      })
    case 'validation_failed':
      return new CliError(`${problem.detail} (validation_failed)`, { details })
    default:
      return new CliError(`${problem.detail} (${problem.code})`, { details })
  }
}

/** `quota_exceeded`: which limit, the current use and the maximum, as the API answered them. */
function quotaLine(problem: Problem): string {
  const { limit, current, maximum, requested } = problem as Problem & {
    limit?: string
    current?: number
    maximum?: number
    requested?: number
  }
  const asked = requested === undefined ? '' : `, asked for ${requested} more`
  return `quota exceeded: limit ${limit}, current ${current}, maximum ${maximum}${asked} (quota_exceeded)`
}

/** A request that got no answer: says which URL was tried. */
export function networkError(url: string, cause: unknown): CliError {
  const reason = describeCause(cause)
  return new CliError(`could not reach ${url}: ${reason}`, {
    suggestion: 'check the API URL (--api-url, FJORD_API_URL or the profile) and that it is up',
  })
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error && cause.name === 'TimeoutError') return 'timed out'
  const inner = cause instanceof Error ? cause.cause : undefined
  if (inner && typeof inner === 'object' && 'code' in inner) return String(inner.code)
  if (inner instanceof Error) return inner.message
  return cause instanceof Error ? cause.message : String(cause)
}

export const exitCodesHelp = `Exit codes of fjord, for scripts:

  0  the command succeeded
  1  the command failed (the API refused it, or it could not be reached)
  2  a bad flag or argument (the command's usage is printed), or a prompt was cancelled;
     also \`fjord plan --detailed-exitcode\` when the plan has changes to make
  4  not logged in, or the API key was refused: run \`fjord login\`
`

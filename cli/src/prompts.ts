import type { Readable } from 'node:stream'
import { CliError, exitCodes, usageError } from './errors.ts'
import type { Terminal } from './output.ts'

/**
 * The value of a flag, or asked for on a terminal; without a terminal a missing value is a
 * usage error naming the flag, so that a script never hangs on a prompt.
 */
export async function valueOrAsk(
  terminal: Terminal,
  value: string | undefined,
  question: { flag: string; message: string; secret?: boolean },
): Promise<string> {
  if (value) return value
  if (!terminal.interactive) throw usageError(`${question.flag} is required when not on a terminal`)
  const { input, password } = await import('@inquirer/prompts')
  return cancellable(() =>
    question.secret
      ? password({ message: question.message, mask: true })
      : input({ message: question.message, required: true }),
  )
}

/**
 * Asks before a destructive change: `--yes` skips the question; without a terminal and
 * without `--yes` fjord refuses rather than guess.
 */
export async function confirmOrRefuse(
  terminal: Terminal,
  message: string,
  yes: boolean | undefined,
): Promise<void> {
  if (yes) return
  if (!terminal.interactive)
    throw usageError('refusing to delete without --yes when not on a terminal')
  const { confirm } = await import('@inquirer/prompts')
  const confirmed = await cancellable(() => confirm({ message, default: false }))
  if (!confirmed) throw cancelled()
}

const cancelled = () => new CliError('cancelled', { exitCode: exitCodes.usage })

async function cancellable<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask()
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw cancelled()
    throw error
  }
}

/** All of stdin, without its final newline: for `--password-stdin`. */
export async function readStdin(stdin: Readable): Promise<string> {
  let text = ''
  for await (const chunk of stdin) text += chunk.toString()
  return text.replace(/\r?\n$/, '')
}

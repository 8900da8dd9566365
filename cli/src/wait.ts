import { type Clock, sleep, systemClock } from '@fjord/time/clock'
import { CliError } from './errors.ts'
import type { Output } from './output.ts'

interface Provisioned {
  status: {
    phase: string
    conditions: { type: string; status: string; reason: string; message: string }[]
  }
}

const pollEveryMs = 1_000

/**
 * Polls `read` until the resource is Ready: Failed, or still not Ready after `timeoutMs`, is a
 * failure naming the last phase and condition. A spinner shows progress, on a terminal only.
 */
export async function waitUntilReady<T extends Provisioned>(
  output: Output,
  what: string,
  read: () => Promise<T>,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<T> {
  const { stderr, quiet } = output.terminal
  // Loaded only for a terminal: a start of fjord need not load it.
  const spinner =
    stderr.isTTY && !quiet
      ? (await import('yocto-spinner')).default({ text: `waiting for ${what}`, stream: stderr })
      : undefined
  spinner?.start()
  const deadline = clock.now() + timeoutMs
  try {
    for (;;) {
      const resource = await read()
      const { phase } = resource.status
      if (phase === 'Ready') {
        spinner?.success(`${what} is Ready`)
        return resource
      }
      if (phase === 'Failed') throw new CliError(`${what} failed: ${why(resource)}`)
      if (clock.now() >= deadline) {
        throw new CliError(
          `${what} is still ${phase} after ${timeoutMs / 1000}s: ${why(resource)}`,
          {
            suggestion:
              'it goes on in the background; look again with `get`, or wait longer with --timeout',
          },
        )
      }
      if (spinner) spinner.text = `waiting for ${what} (${phase})`
      await sleep(pollEveryMs, clock)
    }
  } finally {
    if (spinner?.isSpinning) spinner.stop()
  }
}

function why(resource: Provisioned): string {
  const condition = resource.status.conditions.find((c) => c.status !== 'True')
  return condition ? `${condition.reason}: ${condition.message}` : 'no condition reported yet'
}

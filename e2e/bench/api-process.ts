/**
 * The api in a process of its own for bench:e2e, as `fjord-api serve` runs in a deployment:
 * its memory is then its own, and its provisioner wakes on the outbox's notifications as the
 * product's does.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '@fjord/stack/config'
import { StackError, waitFor } from '@fjord/stack/proc'

const stack = loadConfig()
const main = join(stack.repoRoot, 'api', 'src', 'main.ts')

export interface ApiProcess {
  child: ChildProcess
  baseUrl: string
  /** Runs `fjord-api COMMAND…` on the same database to its end, as an operator of Fjord would. */
  command(...args: string[]): void
  /** SIGTERM, and the api's own graceful stop: its requests and provisioner work end first. */
  stop(): Promise<void>
}

/**
 * `fjord-api serve` on a database of the stack's PostgreSQL (migrated first) with `env` (the
 * api's variables), listening on a free port of 127.0.0.1. It logs to `logFile`.
 */
export async function startApi(
  database: string,
  env: Record<string, string>,
  logFile: string,
): Promise<ApiProcess> {
  const databaseUrl = execFileSync(process.execPath, [
    join(stack.repoRoot, 'stack', 'src', 'cli.ts'),
    'database',
    database,
  ])
    .toString()
    .trim()
  const apiEnv = { ...process.env, DATABASE_URL: databaseUrl, ...env }
  const command = (...args: string[]) => {
    execFileSync(process.execPath, [main, ...args], {
      env: apiEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    })
  }
  command('migrate')
  const portFile = join(mkdtempSync(join(tmpdir(), 'bench-api-')), 'port')
  const log = openSync(logFile, 'w')
  const child = spawn(process.execPath, [main, 'serve'], {
    env: { ...apiEnv, HOST: '127.0.0.1', PORT: '0', FJORD_PORT_FILE: portFile },
    stdio: ['ignore', log, log],
  })
  closeSync(log)
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  try {
    await waitFor(
      'the api to listen',
      async () => {
        if (child.exitCode !== null) {
          throw new StackError(`the api exited (${child.exitCode}); see ${logFile}`)
        }
        return existsSync(portFile) && readFileSync(portFile, 'utf8').trim() !== ''
      },
      { intervalMs: 50 },
    )
  } catch (error) {
    await stop()
    throw error
  }
  const port = readFileSync(portFile, 'utf8').trim()
  return { child, baseUrl: `http://127.0.0.1:${port}`, command, stop }
}

import { type SpawnOptions, spawn } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** Raised for a problem the user can act on; the CLI prints its message without a stack. */
export class StackError extends Error {}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)}s`
}

/** Runs one named step of `up`/`down`, printing what it does and how long it took. */
export async function step<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now()
  process.stdout.write(`→ ${label}\n`)
  try {
    const result = await fn()
    process.stdout.write(`✓ ${label} (${seconds(started)})\n`)
    return result
  } catch (error) {
    process.stdout.write(`✗ ${label} (${seconds(started)})\n`)
    throw error
  }
}

export function info(message: string): void {
  process.stdout.write(`  ${message}\n`)
}

export interface RunOptions extends SpawnOptions {
  /** Where the command's output goes; its tail is shown if it fails. */
  logFile?: string
}

/** Runs a command to completion and returns its standard output; fails with its output's tail. */
export async function run(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<string> {
  const { logFile, ...spawnOptions } = options
  const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const all: Buffer[] = []
  child.stdout?.on('data', (chunk: Buffer) => {
    out.push(chunk)
    all.push(chunk)
  })
  child.stderr?.on('data', (chunk: Buffer) => all.push(chunk))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new StackError(`\`${command}\` was not found on PATH; it is needed to continue`)
          : error,
      )
    })
    child.on('close', resolve)
  })
  const output = Buffer.concat(all).toString('utf8')
  if (logFile) writeFileSync(logFile, output)
  if (code !== 0) {
    const tail = output.trim().split('\n').slice(-25).join('\n')
    throw new StackError(
      `\`${command} ${args.join(' ')}\` exited with ${code}${logFile ? ` (full output: ${logFile})` : ''}:\n${tail}`,
    )
  }
  return Buffer.concat(out).toString('utf8')
}

/**
 * Polls `probe` until it returns true, failing after `timeoutMs` with the last error seen.
 * A StackError thrown by the probe (say, the process exited) fails at once.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  {
    timeoutMs = 60_000,
    intervalMs = 250,
    logFile,
  }: { timeoutMs?: number; intervalMs?: number; logFile?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      if (await probe()) return
    } catch (error) {
      if (error instanceof StackError) throw error
      last = error
    }
    await sleep(intervalMs)
  }
  const reason = last instanceof Error ? `: ${last.message}` : ''
  throw new StackError(
    `${what} did not answer within ${timeoutMs / 1000}s${reason}${logFile ? `; see ${logFile}` : ''}`,
  )
}

/**
 * A long-running process of the stack, started detached in its own process group, with its
 * output in `<stackDir>/logs/<name>.log` and its pid in `<stackDir>/run/<name>.pid`.
 */
export class Daemon {
  readonly name: string
  readonly logFile: string
  readonly pidFile: string

  constructor(stackDir: string, name: string) {
    this.name = name
    this.logFile = join(stackDir, 'logs', `${name}.log`)
    this.pidFile = join(stackDir, 'run', `${name}.pid`)
  }

  pid(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined
  }

  /** For readiness probes: throws once the process has exited, so waiting stops at once. */
  alive(): true {
    if (this.pid() === undefined) {
      throw new StackError(`${this.name} exited; the end of ${this.logFile}:\n${this.tail()}`)
    }
    return true
  }

  start(command: string, args: string[], options: SpawnOptions = {}): number {
    mkdirSync(join(this.logFile, '..'), { recursive: true })
    mkdirSync(join(this.pidFile, '..'), { recursive: true })
    const log = openSync(this.logFile, 'a')
    writeFileSync(log, `\n--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`)
    const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', log, log] })
    closeSync(log)
    if (child.pid === undefined) throw new StackError(`could not start ${this.name} (${command})`)
    child.unref()
    writeFileSync(this.pidFile, `${child.pid}\n`)
    return child.pid
  }

  /** Stops the whole process group: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 30_000): Promise<boolean> {
    const pid = this.pid()
    if (pid === undefined) {
      rmSync(this.pidFile, { force: true })
      return false
    }
    signalGroup(pid, 'SIGTERM')
    const deadline = Date.now() + graceMs
    while (isAlive(pid) && Date.now() < deadline) await sleep(100)
    if (isAlive(pid)) {
      signalGroup(pid, 'SIGKILL')
      while (isAlive(pid)) await sleep(50)
    }
    rmSync(this.pidFile, { force: true })
    return true
  }

  /** The last lines of the log, to explain why a start failed. */
  tail(lines = 30): string {
    if (!existsSync(this.logFile)) return ''
    return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A zombie still answers signal 0; it is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

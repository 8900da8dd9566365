#!/usr/bin/env node
/**
 * The Fjord image's entrypoint: `node /app/image/entrypoint.ts <command> [args]`. A command
 * runs its component in this very process, so that the component is PID 1 and receives the
 * kubelet's SIGTERM itself; no process stands between them to forward or swallow it.
 */
import { readFileSync } from 'node:fs'

export const usage = `usage: entrypoint.ts <command> [args]

  api                the REST API and the web console (fjord-api serve)
  migrate            brings the database of DATABASE_URL up to date, then exits
  operator [flags]   the operator (operator --help lists its flags)
  probe PATH         GET http://127.0.0.1:<port>PATH, the port read from $FJORD_PORT_FILE:
                     exit 0 on a 2xx answer within 3 s, 1 otherwise

Every setting is an environment variable: see docs/configuration.md.
`

/** The variables the entrypoint itself reads; docs/configuration.md lists them. */
export const entrypointEnvNames = { portFile: 'FJORD_PORT_FILE' } as const

const probeTimeoutMs = 3_000

/**
 * Asks the component in this container whether it is healthy: the reason it is not, in one
 * line, or undefined when it answered 2xx.
 */
export async function probe(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const variable = entrypointEnvNames.portFile
  const file = env[variable]
  if (!file) return `${variable} is not set: the probe reads the port to ask from that file`
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    return `${variable}: cannot read ${file} (not listening yet?): ${(error as Error).message}`
  }
  const port = Number(text.trim())
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    return `${variable}: ${file} holds no port number: "${text.trim().slice(0, 40)}"`
  }
  const url = `http://127.0.0.1:${port}${path}`
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(probeTimeoutMs) })
    const body = (await response.text()).replace(/\s+/g, ' ').trim().slice(0, 200)
    return response.ok ? undefined : `GET ${url} answered ${response.status}: ${body}`
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code
    const why = (error as Error).name === 'TimeoutError' ? 'no answer in 3 s' : (cause ?? error)
    return `GET ${url} failed: ${why}`
  }
}

/** Runs one command; the components end the process themselves, with their own exit codes. */
export async function run(argv: string[]): Promise<void> {
  const [command, ...args] = argv
  if ((command === 'api' || command === 'migrate') && args.length > 0) {
    fail(`${command} takes no arguments: it is configured by environment variables`, 2)
  }
  if (command === 'api') return (await import('@fjord/api/main')).main('serve', [])
  if (command === 'migrate') return (await import('@fjord/api/main')).main('migrate', [])
  if (command === 'operator') return (await import('@fjord/operator/main')).main(args)
  if (command === 'probe') {
    const [path] = args
    if (!path?.startsWith('/') || args.length > 1) fail(usage, 2)
    const failure = await probe(path)
    if (failure) fail(failure, 1)
    return
  }
  fail(command ? `unknown command "${command}"\n\n${usage}` : usage, 2)
}

function fail(message: string, code: number): never {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`)
  process.exit(code)
}

if (import.meta.main) await run(process.argv.slice(2))

import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { probe } from './entrypoint.ts'

const entrypoint = join(import.meta.dirname, 'entrypoint.ts')
const dir = mkdtempSync(join(tmpdir(), 'fjord-entrypoint-'))

/** Runs the entrypoint as the image does; answers its exit code and what it wrote to stderr. */
function entrypointRun(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [entrypoint, ...args], {
      env: { ...process.env, ...env },
    })
    let stderr = ''
    child.stderr?.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('exit', (code) => resolve({ code, stderr }))
  })
}

/** A port file naming `port`, as a component writes it once it listens. */
function aPortFile(port: number | string): string {
  const file = join(dir, `port-${port}`)
  writeFileSync(file, `${port}\n`)
  return file
}

let server: Server
let port = 0

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/readyz') response.writeHead(200).end('ok\n')
    else response.writeHead(503).end('informer KafkaTopic has not synced\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

describe('the image entrypoint', () => {
  test.each([
    [[], /^usage: entrypoint.ts <command>/],
    [['serve'], /^unknown command "serve"\n\nusage:/],
    [['api', '--port', '1'], /^api takes no arguments/],
    [['probe'], /^usage:/],
    [['probe', 'readyz'], /^usage:/],
  ])('refuses %j with its usage and exit code 2', async (args, message) => {
    const { code, stderr } = await entrypointRun(args)
    expect(stderr).toMatch(message)
    expect(code).toBe(2)
  })

  test('probe exits 0 on a 2xx answer and 1, with the reason, on any other', async () => {
    const env = { FJORD_PORT_FILE: aPortFile(port) }
    expect(await entrypointRun(['probe', '/readyz'], env)).toEqual({ code: 0, stderr: '' })
    expect(await entrypointRun(['probe', '/healthz'], env)).toEqual({
      code: 1,
      stderr: `GET http://127.0.0.1:${port}/healthz answered 503: informer KafkaTopic has not synced\n`,
    })
  })

  test('hands the operator its flags: a bad one is named, with exit code 2', async () => {
    const { code, stderr } = await entrypointRun(['operator', '--port', 'eighty'])
    expect(stderr).toBe(
      'fjord-operator: --port must be a whole number from 1 to 65535, got "eighty"\n',
    )
    expect(code).toBe(2)
  })

  test('runs the api on its environment: a bad variable is named, with exit code 1', async () => {
    const { code, stderr } = await entrypointRun(['api'], { FJORD_SHUTDOWN_GRACE_SECONDS: 'soon' })
    expect(stderr).toMatch(/^invalid configuration: FJORD_SHUTDOWN_GRACE_SECONDS: /)
    expect(code).toBe(1)
  })
})

describe('probe', () => {
  test('says why it cannot ask: no variable, no file, no port in it, nobody listening', async () => {
    expect(await probe('/readyz', {})).toMatch(/^FJORD_PORT_FILE is not set/)
    expect(await probe('/readyz', { FJORD_PORT_FILE: join(dir, 'none') })).toMatch(
      /^FJORD_PORT_FILE: cannot read .*none \(not listening yet\?\)/,
    )
    expect(await probe('/readyz', { FJORD_PORT_FILE: aPortFile('soon') })).toMatch(
      /^FJORD_PORT_FILE: .* holds no port number: "soon"/,
    )
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    expect(await probe('/readyz', { FJORD_PORT_FILE: aPortFile(closedPort) })).toBe(
      `GET http://127.0.0.1:${closedPort}/readyz failed: ECONNREFUSED`,
    )
  })

  test('answers nothing when the component answers 2xx', async () => {
    expect(await probe('/readyz', { FJORD_PORT_FILE: aPortFile(port) })).toBeUndefined()
  })
})

import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

/**
 * A broker that resets the connection as soon as the client's first request of the login
 * arrives; the client asks it for topics, and the process says how that ended. Run as its own
 * process: the failure it guards against is an exception thrown out of the process.
 */
const script = (guarded: boolean) => `
${guarded ? "import '@fjord/kafka/connection-errors'" : ''}
import { createServer } from 'node:net'
import { Admin } from '@platformatic/kafka'
const server = createServer((socket) => socket.once('data', () => socket.resetAndDestroy()))
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const admin = new Admin({
  clientId: 'connection-errors-test',
  bootstrapBrokers: ['127.0.0.1:' + server.address().port],
  sasl: { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' },
  retries: 0,
})
const answer = await admin.listTopics().then(() => 'listed', (error) => error.message)
await new Promise((resolve) => setTimeout(resolve, 200))
await admin.close()
server.close()
console.log(answer)
`

const run = (guarded: boolean) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', script(guarded)], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    encoding: 'utf8',
    timeout: 30_000,
  })

describe('connection errors', () => {
  test('a broker resetting the login fails the call, and nothing is thrown out of the process', () => {
    const guarded = run(true)
    expect(guarded.stderr).toBe('')
    expect(guarded.stdout.trim()).toBe('Listing topics failed.')
    expect(guarded.status).toBe(0)
  })

  // The client's own behaviour, which the module exists for: if it stops throwing, the module
  // can go.
  test('without it, the same reset ends the process', () => {
    const bare = run(false)
    expect(bare.stderr).toContain("Unhandled 'error' event")
    expect(bare.status).toBe(1)
  })
})

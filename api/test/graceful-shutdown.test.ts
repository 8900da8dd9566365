import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Leases, objectPath } from '@fjord/kube/resources'
import { uniqueName } from '@fjord/testing/names'
import { anOperatorWorld, env } from '@fjord/testing/operator'
import { signUpAt } from '@fjord/testing/tenants'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { statusLeaseName } from '../src/provisioner/status-watcher.ts'

// The api as the image runs it (image/entrypoint.ts api: PID 1 in its container), on PGlite
// in memory, provisioning into the stack's Kubernetes with an operator of this file's own.

let world: Awaited<ReturnType<typeof anOperatorWorld>>
let api: ChildProcess
let base = ''
let session: Record<string, string> = {}
const name = uniqueName('org')
const org = `/v1/orgs/${name}`
const entrypoint = join(import.meta.dirname, '..', '..', 'image', 'entrypoint.ts')

beforeAll(async () => {
  world = await anOperatorWorld()
  const portFile = join(mkdtempSync(join(tmpdir(), 'fjord-api-')), 'port')
  api = spawn(process.execPath, [entrypoint, 'api'], {
    env: {
      ...process.env,
      FJORD_IN_MEMORY: 'true',
      HOST: '127.0.0.1',
      PORT: '0',
      FJORD_PORT_FILE: portFile,
      FJORD_KUBECONFIG: env.kube.kubeconfig,
      FJORD_RESOURCE_LABELS: Object.entries(world.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      FJORD_SYSTEM_NAMESPACE: world.namespace,
      FJORD_DEFAULT_REPLICATION_FACTOR: '1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const port = await vi.waitFor(() => Number(readFileSync(portFile, 'utf8')), {
    timeout: 30_000,
    interval: 50,
  })
  base = `http://127.0.0.1:${port}`
  const { owner } = await signUpAt(base, { org: name })
  session = { cookie: owner.cookie, 'x-csrf-token': owner.csrfToken }
})
afterAll(async () => {
  if (api.exitCode === null) api.kill('SIGKILL')
  await world.stop()
})

async function put(path: string, body: object): Promise<void> {
  const response = await fetch(`${base}${path}?wait=true`, {
    method: 'PUT',
    headers: { ...session, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(response.status, await response.clone().text()).toBeLessThan(300)
}

/** The lines of an NDJSON answer as they come. */
async function* linesOf(response: Response): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder()
  let rest = ''
  for await (const chunk of response.body ?? []) {
    rest += decoder.decode(chunk, { stream: true })
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n')) {
      yield JSON.parse(rest.slice(0, end))
      rest = rest.slice(end + 1)
    }
  }
}

async function statusLeaseHolder(): Promise<string | null | undefined> {
  const path = objectPath(Leases, statusLeaseName(world.labels), world.namespace)
  const lease = await world.client.get<{ spec?: { holderIdentity?: string | null } }>(path)
  return lease.spec?.holderIdentity
}

test('on SIGTERM it takes no new request, ends a followed browse with its done line, hands back the status Lease and exits 0', async () => {
  await put(`${org}/clusters/main`, { type: 'shared' })
  await put(`${org}/clusters/main/topics/orders`, { partitions: 1 })
  expect(await statusLeaseHolder()).toBeTruthy()
  const browse = await fetch(`${base}${org}/clusters/main/topics/orders/messages?follow=true`, {
    headers: session,
  })
  expect(browse.status).toBe(200)
  const lines = linesOf(browse)
  expect((await lines.next()).value).toMatchObject({ type: 'start' })

  api.kill('SIGTERM')
  const signalledAt = Date.now()
  const exited = once(api, 'exit')
  await vi.waitFor(
    async () => {
      const refused = await fetch(`${base}/readyz`).then(
        (response) => response.status === 503,
        (error: { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED',
      )
      expect(refused, 'a new request is still served').toBe(true)
    },
    { timeout: 5_000, interval: 20 },
  )
  const rest: Record<string, unknown>[] = []
  for await (const line of lines) rest.push(line)
  expect(rest.at(-1)).toMatchObject({
    type: 'done',
    stoppedBy: 'timeLimit',
    detail: 'the api is shutting down; browse again from `next`',
    next: { 0: '0' },
  })
  const [code] = (await exited) as [number | null]
  expect(code).toBe(0)
  // The default grace is 20 s; a follow notices within its 1 s fetch wait.
  expect(Date.now() - signalledAt).toBeLessThan(10_000)
  expect(await statusLeaseHolder()).toBeFalsy()
})

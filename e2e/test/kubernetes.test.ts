import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { FjordClient } from '@fjord/client'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import { collectionPath, Leases, Namespaces, objectPath, Secrets } from '@fjord/kube/resources'
import { loadConfig } from '@fjord/stack/config'
import { readStackEnv } from '@fjord/stack/env'
import { ensureFjordImages } from '@fjord/stack/image/fjord'
import { expectAnswer } from '@fjord/testing/answers'
import { clientAt } from '@fjord/testing/api'
import { kcatWithProperties } from '@fjord/testing/kcat'
import { leaseHolder } from '@fjord/testing/operator'
import { aShopOf, ready } from '@fjord/testing/shop'
import { signUpAt } from '@fjord/testing/tenants'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

// The chart installed by Helm onto the stack's node (`npm run stack -- up --node`), with the
// image the stack builds without a Docker engine, driven from outside like a platform team
// and a newcomer would. The pods run on the node's network: the stack's PostgreSQL, Kafka
// and kube-apiserver listen on loopback only (see docs/stack.md#the-node).

const env = readStackEnv()
const config = loadConfig()
const chart = join(config.repoRoot, 'charts', 'fjord')
const suffix = randomBytes(3).toString('hex')
const namespace = `fjord-k8s-${suffix}`
const release = 'fjord'
const database = `fjord_k8s_${suffix}`
const pool = `k8s-${suffix}`
// The api's port on the node's network, in a range the stack and other tests leave alone.
const apiPort = 18_400 + (Number.parseInt(suffix, 16) % 400)

const run = promisify(execFile)
const helm = (args: string[], timeout = 420_000) =>
  run(env.helm.bin, [...args, '--kubeconfig', env.kube.kubeconfig, '--namespace', namespace], {
    timeout,
  })

let kube: KubeClient
let values: string
let dir: string
let databaseUrl: string

interface Pod extends KubeObject {
  spec: { nodeName?: string }
  status: {
    phase?: string
    conditions?: { type: string; status: string }[]
    containerStatuses?: { state?: unknown; lastState?: unknown; restartCount?: number }[]
  }
}

async function pods(component: string): Promise<Pod[]> {
  const list = await kube.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${namespace}/pods`, {
    query: {
      labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}`,
    },
  })
  return list.items
}

const isReady = (pod: Pod) =>
  pod.status.phase === 'Running' &&
  !pod.metadata.deletionTimestamp &&
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true

const leaseHeldBy = () => leaseHolder(kube, namespace)

/**
 * The operators' Lease and pods as the apiserver has them now, and what each pod (and the
 * deleted `leader`, while the node keeps its logs) logged last: for a failure's message.
 */
async function operatorsNow(leader: string | undefined): Promise<string> {
  const lease = await kube
    .get<{ spec?: unknown }>(objectPath(Leases, 'fjord-operator', namespace))
    .catch((error: unknown) => ({ spec: String(error) }))
  const now = (await pods('operator')).map(({ metadata, status }) => ({
    name: metadata.name,
    deletionTimestamp: metadata.deletionTimestamp,
    phase: status.phase,
    containers: status.containerStatuses?.map(({ state, lastState, restartCount }) => ({
      state,
      lastState,
      restartCount,
    })),
  }))
  const names = new Set([leader ?? '', ...now.map(({ name }) => name)].filter(Boolean))
  const logs = [...names].map((name) => `${name}:\n${containerLogTail(name)}`).join('\n')
  return `${JSON.stringify({ at: new Date().toISOString(), lease: lease.spec, pods: now }, null, 2)}\n${logs}`
}

/** The last lines a pod's containers logged on the node, where the kubelet links them. */
function containerLogTail(pod: string, lines = 30): string {
  const dir = '/var/log/containers'
  const files = existsSync(dir)
    ? readdirSync(dir).filter((file) => file.startsWith(`${pod}_${namespace}_`))
    : []
  return files
    .map((file) =>
      readFileSync(join(dir, file), 'utf8').trimEnd().split('\n').slice(-lines).join('\n'),
    )
    .join('\n')
}

beforeAll(async () => {
  if (!env.node) return
  kube = KubeClient.fromFile(env.kube.kubeconfig)
  dir = mkdtempSync(join(tmpdir(), 'fjord-k8s-'))
  const { image } = await ensureFjordImages({
    repoRoot: config.repoRoot,
    cacheDir: config.cacheDir,
    containerd: { bin: env.node.ctr.bin, address: env.node.containerd.address },
  })
  databaseUrl = (
    await run(process.execPath, [
      join(config.repoRoot, 'stack', 'src', 'cli.ts'),
      'database',
      database,
    ])
  ).stdout.trim()
  await kube.request('POST', collectionPath(Namespaces), {
    body: { metadata: { name: namespace } },
  })
  for (const [name, data] of [
    ['fjord-database', { DATABASE_URL: databaseUrl }],
    ['kafka-admin', { username: env.kafka.admin.username, password: env.kafka.admin.password }],
  ] as const) {
    await kube.request('POST', collectionPath(Secrets, namespace), {
      body: { metadata: { name, namespace }, stringData: data },
    })
  }
  values = join(dir, 'values.json')
  writeFileSync(
    values,
    JSON.stringify({
      image: { ...image, pullPolicy: 'Never' },
      hostNetwork: true,
      api: { replicas: 1, port: apiPort, defaultReplicationFactor: 1 },
      operator: { replicas: 2 },
      resourceLabels: { 'fjord.dev/install': suffix },
      pools: [
        {
          name: pool,
          bootstrapServers: [env.kafka.bootstrapServers],
          saslMechanism: env.kafka.saslMechanism,
          maxPartitions: 1000,
          region: 'local',
          admin: { existingSecret: 'kafka-admin' },
        },
      ],
      // In-cluster config finds the apiserver through these; the stack's is on loopback.
      extraEnv: [
        { name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' },
        { name: 'KUBERNETES_SERVICE_PORT', value: String(config.ports.kubeApiserver) },
      ],
    }),
  )
  await helm(['install', release, chart, '--values', values, '--wait', '--timeout', '6m'])
}, 600_000)

afterAll(async () => {
  if (!env.node) return
  await helm(['uninstall', release, '--wait']).catch(() => {})
  await kube.request('DELETE', objectPath(Namespaces, namespace)).catch(() => {})
  kube.close()
  rmSync(dir, { recursive: true, force: true })
})

const base = `http://127.0.0.1:${apiPort}`

/** Signs up through the in-cluster api, as the console does; answers a client of the session. */
async function signUp(): Promise<{ org: string; owner: FjordClient }> {
  const { org, owner } = await signUpAt(base)
  return { org, owner: clientAt(base, owner) }
}

const wait = { wait: 'true' } as const

describe.skipIf(!env.node)("the Helm chart on the stack's node", () => {
  test('installs: the migration hook ran, the api pod and both operator pods are Running and Ready on the node', async () => {
    const status = JSON.parse((await helm(['status', release, '--output', 'json'])).stdout) as {
      info: { status: string }
    }
    expect(status.info.status).toBe('deployed')
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      const tables = await client.query(
        "select count(*)::int as n from information_schema.tables where table_name = 'organizations'",
      )
      expect(tables.rows[0].n).toBe(1)
    } finally {
      await client.end()
    }
    const running = [...(await pods('api')), ...(await pods('operator'))]
    expect(running.map((pod) => [pod.spec.nodeName, isReady(pod)])).toEqual([
      [env.node?.name, true],
      [env.node?.name, true],
      [env.node?.name, true],
    ])
  })

  test('a newcomer signs up, creates a cluster, a topic and a service account, and produces and consumes with kcat', async () => {
    const { org, owner } = await signUp()
    const shop = await aShopOf(owner, org)
    expect(shop.credential.connection.bootstrapServers).toBe(env.kafka.bootstrapServers)
    const properties = shop.credential.clientConfig.kcat
    const produced = await kcatWithProperties(properties, ['-P', '-t', shop.topic], 'hello\n')
    expect(produced.stderr).toBe('')
    const consumed = await kcatWithProperties(properties, [
      ...['-C', '-t', shop.topic, '-o', 'beginning', '-e', '-q'],
      ...['-X', `group.id=${shop.prefix}shop-readers`],
    ])
    expect(consumed.stdout.trim()).toBe('hello')
  })

  test('fails over: with the leading operator pod deleted, the other takes the Lease and a new topic still becomes Ready', async () => {
    const operators = await pods('operator')
    const leader = await leaseHeldBy()
    expect(operators.map((pod) => pod.metadata.name)).toContain(leader)
    await kube.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${leader}`)
    const standby = operators.find((pod) => pod.metadata.name !== leader)?.metadata.name
    await expect
      .poll(leaseHeldBy, { timeout: 60_000 })
      .toBe(standby)
      .catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await operatorsNow(leader)}`, { cause: error })
      })

    const { org, owner } = await signUp()
    const main = { org, cluster: 'main' }
    await ready(
      owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
        params: { path: main, query: wait },
        body: { type: 'shared' },
      }),
    )
    await ready(
      owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
        params: { path: { ...main, topic: 'after-failover' }, query: wait },
        body: { partitions: 1 },
      }),
    )
  })

  test('upgrades with a changed value: the pods roll and nothing is lost; uninstall leaves the CRDs and the data', async () => {
    const { org, owner } = await signUp()
    const before = new Set(
      [...(await pods('api')), ...(await pods('operator'))].map((p) => p.metadata.uid),
    )
    await helm([
      'upgrade',
      release,
      chart,
      '--values',
      values,
      '--set',
      'operator.logLevel=debug',
      '--set',
      'api.logLevel=debug',
      '--wait',
      '--timeout',
      '6m',
    ])
    await expect
      .poll(
        async () => {
          const now = [...(await pods('api')), ...(await pods('operator'))]
          return now.filter((pod) => isReady(pod) && !before.has(pod.metadata.uid)).length
        },
        { timeout: 120_000 },
      )
      .toBe(3)
    // The session and the org made before the upgrade are still there.
    const orgs = await expectAnswer(owner.GET('/v1/orgs'), 200)
    expect(JSON.stringify(orgs)).toContain(org)

    await helm(['uninstall', release, '--wait'])
    // Their pods go once they have drained (SIGTERM, then their grace period at most).
    await expect
      .poll(async () => [...(await pods('api')), ...(await pods('operator'))], { timeout: 60_000 })
      .toEqual([])
    const crd = await kube.request<KubeObject>(
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kafkatopics.fjord.dev',
    )
    expect(crd.metadata.name).toBe('kafkatopics.fjord.dev')
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      const kept = await client.query(
        'select count(*)::int as n from organizations where name = $1',
        [org],
      )
      expect(kept.rows[0].n).toBe(1)
    } finally {
      await client.end()
    }
  })
})

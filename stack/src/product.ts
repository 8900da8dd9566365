import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { installCrds } from '@fjord/contract/install'
import { poolAdminSecretName } from '@fjord/contract/naming'
import { KafkaPools } from '@fjord/contract/resources'
import { apply } from '@fjord/kube/apply'
import { KubeClient } from '@fjord/kube/client'
import { Namespaces, Secrets } from '@fjord/kube/resources'
import { operatorNodeFlags } from '@fjord/operator/config'
import type { StackEnv } from './env.ts'
import { StackError, step, waitFor } from './proc.ts'
import type { Context } from './services/service.ts'

export const productPorts = { api: 8080, operator: 8081 }
const systemNamespace = 'fjord-system'

/** The stack's Kafka as the default KafkaPool, with its admin credentials in a Secret. */
async function registerLocalPool(client: KubeClient, env: StackEnv): Promise<void> {
  const pool = 'local'
  const secret = poolAdminSecretName(pool)
  await installCrds(client)
  await apply(client, Namespaces, { metadata: { name: systemNamespace } })
  await apply(client, Secrets, {
    metadata: { name: secret, namespace: systemNamespace },
    stringData: { username: env.kafka.admin.username, password: env.kafka.admin.password },
  })
  await apply(client, KafkaPools, {
    metadata: { name: pool },
    spec: {
      bootstrapServers: [env.kafka.bootstrapServers],
      saslMechanism: env.kafka.saslMechanism,
      adminCredentialsSecretRef: { name: secret, namespace: systemNamespace },
      capacity: { maxPartitions: 10_000 },
      region: 'local',
    },
  })
}

function launch(
  ctx: Context,
  name: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
): ChildProcess {
  const logs = join(ctx.config.stackDir, 'logs')
  mkdirSync(logs, { recursive: true })
  const log = openSync(join(logs, `${name}.log`), 'a')
  const child = spawn(
    process.execPath,
    [...nodeFlags, join(ctx.config.repoRoot, script), ...args],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', log, log],
    },
  )
  child.once('exit', (code, signal) => {
    if (!stopping)
      process.stderr.write(`${name} exited (${signal ?? code}); see ${join(logs, `${name}.log`)}\n`)
  })
  return child
}

let stopping = false

async function ready(url: string, child: ChildProcess, name: string): Promise<void> {
  await waitFor(
    name,
    async () => {
      if (child.exitCode !== null)
        throw new StackError(`${name} exited while starting (code ${child.exitCode})`)
      return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok
    },
    { timeoutMs: 90_000 },
  )
}

/**
 * Runs the product on the stack in the foreground: registers the stack's Kafka as the pool
 * `local`, starts the api (embedded PGlite under .stack/api) and the operator, prints where
 * to go, and stops everything on Ctrl-C. Data is kept for the next start.
 */
export async function runProduct(
  ctx: Context,
  env: StackEnv,
  stopStack: () => Promise<void>,
): Promise<void> {
  const client = KubeClient.fromFile(env.kube.kubeconfig)
  await step('register the stack Kafka as KafkaPool "local"', () => registerLocalPool(client, env))
  client.close()
  const base = `http://127.0.0.1:${productPorts.api}`
  const api = launch(ctx, 'api', 'api/src/main.ts', ['serve'], {
    PORT: String(productPorts.api),
    HOST: '127.0.0.1',
    FJORD_DATA_DIR: join(ctx.config.stackDir, 'api'),
    FJORD_DEFAULT_REPLICATION_FACTOR: '1',
    // The api provisions into the stack's Kubernetes: outbox → custom resources → status.
    FJORD_KUBECONFIG: env.kube.kubeconfig,
    FJORD_SYSTEM_NAMESPACE: systemNamespace,
    FJORD_PLATFORM_TOKEN: ctx.secrets.platformToken,
    FJORD_METERING_TOKEN: ctx.secrets.meteringToken,
  })
  const operator = launch(
    ctx,
    'operator',
    'operator/src/main.ts',
    [
      '--kubeconfig',
      env.kube.kubeconfig,
      '--lease-namespace',
      systemNamespace,
      '--port',
      String(productPorts.operator),
    ],
    {
      FJORD_METERING_URL: `${base}/internal/v1/usage-samples`,
      FJORD_METERING_TOKEN: ctx.secrets.meteringToken,
    },
    operatorNodeFlags,
  )
  const children = [api, operator]
  const stop = async () => {
    if (stopping) return
    stopping = true
    process.stdout.write('\nstopping…\n')
    for (const child of children) child.kill('SIGTERM')
    await Promise.all(
      children.map((c) =>
        c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined,
      ),
    )
    await stopStack()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  await step('start api', () => ready(`http://127.0.0.1:${productPorts.api}/readyz`, api, 'api'))
  await step('start operator', () =>
    ready(`http://127.0.0.1:${productPorts.operator}/healthz`, operator, 'operator'),
  )
  process.stdout.write(`
Fjord is running.
  Web console      ${base}/   sign up there
  API              ${base}/v1   (reference: ${base}/docs)
  operator         metrics at http://127.0.0.1:${productPorts.operator}/metrics
  Kafka pool       "local" on ${env.kafka.bootstrapServers}
  logs             ${join(ctx.config.stackDir, 'logs')}/{api,operator}.log
  platform token   in ${join(ctx.config.stackDir, 'secrets.json')} (platformToken), for /admin/v1/pools
Open ${base}/ and sign up, or from the API:
  curl -s -X POST ${base}/v1/auth/signup -H 'content-type: application/json' \\
    -d '{"email":"you@example.com","password":"a long password","organization":{"name":"acme"}}'
Then follow docs/getting-started.md to your first message with kcat.
Or from the terminal, with the fjord CLI (docs/cli.md):
  npx fjord --api-url ${base} signup --email you@example.com --org acme
  npx fjord clusters create main
  npx fjord topics create orders --cluster main --partitions 6
Ctrl-C stops everything; data is kept for the next start.
`)
}

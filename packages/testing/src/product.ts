import { Provisioner } from '@fjord/api/provisioner/provisioner'
import { StatusWatcher } from '@fjord/api/provisioner/status-watcher'
import type { FjordClient } from '@fjord/client'
import type { components } from '@fjord/client/schema'
import { KubeClient } from '@fjord/kube/client'
import pino from 'pino'
import { expect, vi } from 'vitest'
import { expectAnswer } from './answers.ts'
import { type Caller, clientAt, startTestApi } from './api.ts'
import { serveOnPort } from './http.ts'
import { anOperatorWorld, env } from './operator.ts'

export interface ProductOptions {
  /** How the api reaches Kubernetes, when not directly (a proxy a test can stop). */
  apiKube?: KubeClient
  /** Run the provisioner and status watcher here (default), or leave them to another process. */
  provision?: boolean
  /** Another database than the default (PGlite in memory, or DATABASE_URL). */
  databaseUrl?: string
  /** Run the operator's usage metering this often; off when not given. */
  meteringIntervalMs?: number
}

/**
 * The product in one process, on the stack: the api (PGlite in memory, or the PostgreSQL
 * of DATABASE_URL) with its provisioner and status watcher, and an operator; all of them
 * scoped to one label, so test files running side by side never see each other's resources.
 */
export async function aProduct(options: ProductOptions = {}) {
  // The api also listens on a port, for the operator's usage samples.
  let fetchApi: (request: Request) => Response | Promise<Response> = () =>
    new Response('starting', { status: 503 })
  const server = await serveOnPort((request) => fetchApi(request))
  const { port } = server
  const meteringToken = 'metering-token-of-the-e2e-tests'
  const world = await anOperatorWorld({
    metering: options.meteringIntervalMs
      ? {
          url: `http://127.0.0.1:${port}/internal/v1/usage-samples`,
          token: meteringToken,
          intervalMs: options.meteringIntervalMs,
        }
      : undefined,
  })
  const kube = KubeClient.fromFile(env.kube.kubeconfig)
  const apiKube = options.apiKube ?? kube
  const resourceLabels = world.labels
  const platformToken = 'platform-token-of-the-e2e-tests'
  const api = await startTestApi(
    {
      kubeconfig: env.kube.kubeconfig,
      resourceLabels,
      defaultReplicationFactor: 1,
      platformToken,
      meteringToken,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    },
    { kube: apiKube },
  )
  fetchApi = api.fetch
  const log = pino({ level: process.env.FJORD_TEST_LOG ?? 'silent' })
  const scope = { db: api.database.db, kube: apiKube, log, resourceLabels }
  // The status Lease in this product's own namespace, as the operator's is.
  const lease = { namespace: world.namespace, identity: `e2e-${world.namespace}` }
  const running =
    options.provision === false
      ? []
      : [
          new Provisioner({ ...scope, notifications: api.database }),
          new StatusWatcher({ ...scope, lease }),
        ]
  for (const part of running) part.start()
  const baseUrl = server.url
  return {
    api,
    /** Where the api listens over HTTP: the REST API, and the web console at `/`. */
    url: baseUrl,
    /** A client of the REST API, over HTTP, calling as `caller`. */
    as: (caller: Caller): FjordClient => clientAt(baseUrl, caller),
    world,
    kube,
    resourceLabels,
    platformAdmin: { kind: 'api_key' as const, token: platformToken },
    meteringToken,
    async stop() {
      for (const part of running) await part.stop()
      await world.stop()
      await server.close()
      await api.close()
      kube.close()
    },
  }
}

/** The stack's kubeconfig, pointed at another address of the same apiserver. */
export function kubeVia(port: number): KubeClient {
  const direct = KubeClient.fromFile(env.kube.kubeconfig)
  const config = direct.kubeConfig
  direct.close()
  const current = config.getCurrentCluster()
  if (!current) throw new Error('the stack kubeconfig has no cluster')
  const server = new URL(current.server)
  server.port = String(port)
  config.clusters = config.clusters.map((cluster) =>
    cluster.name === current.name ? { ...cluster, server: server.origin } : cluster,
  )
  return new KubeClient(config)
}

type Product = Awaited<ReturnType<typeof aProduct>>
type Pool = components['schemas']['Pool']
type PoolSpec = components['schemas']['PoolSpec']

/**
 * A private broker registered through the platform API as a pool of its own, in a region of
 * its own (so that a test's clusters, and only they, land on it); resolves once it is Ready
 * and answers with `expectReady` on the pool as the API lists it.
 */
export async function aPoolOn(
  product: Product,
  broker: {
    bootstrap: string
    mechanism: PoolSpec['saslMechanism']
    admin: { username: string; password: string }
  },
  name: string,
  expectReady: (pool: Pool) => void = () => {},
): Promise<{ pool: string; region: string }> {
  const pool = `${name}-${product.world.namespace}`
  const region = pool
  const admin = product.as(product.platformAdmin)
  await expectAnswer(
    admin.PUT('/admin/v1/pools/{pool}', {
      params: { path: { pool } },
      body: {
        bootstrapServers: [broker.bootstrap],
        saslMechanism: broker.mechanism,
        admin: broker.admin,
        maxPartitions: 100,
        region,
      },
    }),
    200,
  )
  await vi.waitFor(
    async () => {
      const pools = await expectAnswer(admin.GET('/admin/v1/pools'), 200)
      const found = pools.items.find((p) => p.name === pool)
      expect(found, `pool ${pool}`).toMatchObject({ phase: 'Ready' })
      expectReady(found as Pool)
    },
    { timeout: 30_000, interval: 500 },
  )
  return { pool, region }
}

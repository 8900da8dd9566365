#!/usr/bin/env node
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { openDatabase } from './db/client.ts'
import { sweepExpired } from './db/maintenance.ts'
import { ApiError } from './errors.ts'
import { openKube } from './provisioner/kube.ts'
import { ensureSystemNamespace } from './provisioner/ownership.ts'
import { Provisioner } from './provisioner/provisioner.ts'
import { StatusWatcher } from './provisioner/status-watcher.ts'
import { parseOverrideArguments, setQuotaOverride } from './quota/overrides.ts'

const usage = 'usage: fjord-api [serve | migrate | quota ORG LIMIT=VALUE|plan ...]'
const sweepIntervalMs = 15 * 60 * 1000

async function main(command: string, args: string[]): Promise<void> {
  const config = loadConfig()
  const logger = pino({ level: config.logLevel })
  const database = openDatabase(config)

  if (command === 'migrate') {
    await database.migrate()
    await database.close()
    logger.info({ driver: database.driver }, 'migrations applied')
    return
  }
  if (command === 'quota') {
    const [org, ...limits] = args
    if (!org || limits.length === 0) throw new Error(usage)
    await setQuotaOverride(database.db, org, parseOverrideArguments(limits))
    await database.close()
    logger.info({ org, limits }, 'quota override set')
    return
  }
  if (command !== 'serve') throw new Error(usage)

  // The embedded database has no separate migration step: it is brought up to date here.
  if (database.driver === 'pglite') await database.migrate()
  const kube = openKube(config)
  const { app, close: closeApp } = createApp({ config, database, logger, kube })
  // With a Kubernetes to provision into, this process also drains the outbox into custom
  // resources and writes their status back: every replica drains, the one holding the status
  // Lease writes status. In a pod the hostname is the pod's name; the suffix tells a restarted
  // process from its previous life.
  const scope = { db: database.db, log: logger, resourceLabels: config.resourceLabels }
  const provisioner = kube && new Provisioner({ ...scope, kube })
  const lease = {
    namespace: config.systemNamespace,
    identity: `${hostname()}-${randomBytes(4).toString('hex')}`,
  }
  const watcher = kube && new StatusWatcher({ ...scope, kube, lease })
  // The status Lease lives there: on a cluster without it, no status would ever be written.
  await (kube && ensureSystemNamespace(kube, config.systemNamespace))?.catch((error: unknown) =>
    logger.error(
      { err: error, namespace: config.systemNamespace },
      'the system namespace is missing and cannot be made: no status is written until it exists',
    ),
  )
  provisioner?.start()
  watcher?.start()
  if (!kube) logger.warn('no Kubernetes configured (FJORD_KUBECONFIG): nothing will be provisioned')
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) =>
    logger.info({ address: info.address, port: info.port, driver: database.driver }, 'listening'),
  )
  const sweeper = setInterval(
    () => sweepExpired(database.db).catch((error) => logger.warn({ err: error }, 'sweep failed')),
    sweepIntervalMs,
  )
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down')
    clearInterval(sweeper)
    server.close(async () => {
      await Promise.all([provisioner?.stop(), watcher?.stop(), closeApp()])
      kube?.close()
      await database.close()
      process.exit(0)
    })
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

main(process.argv[2] ?? 'serve', process.argv.slice(3)).catch((error: unknown) => {
  const errors = error instanceof ApiError && error.errors ? error.errors : []
  console.error(
    error instanceof Error ? error.message : error,
    ...errors.map((e) => `\n  ${e.path}: ${e.message}`),
  )
  process.exit(1)
})

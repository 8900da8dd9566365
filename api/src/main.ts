#!/usr/bin/env node
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import { createAdaptorServer } from '@hono/node-server'
import pino, { type Logger } from 'pino'
import { createApp } from './app.ts'
import { type Config, loadConfig } from './config.ts'
import { openDatabase } from './db/client.ts'
import { sweepExpired } from './db/maintenance.ts'
import { ApiError } from './errors.ts'
import { openKube } from './provisioner/kube.ts'
import { ensureSystemNamespace, orgAccessOf } from './provisioner/ownership.ts'
import { Provisioner } from './provisioner/provisioner.ts'
import { StatusWatcher } from './provisioner/status-watcher.ts'
import { parseOverrideArguments, setQuotaOverride } from './quota/overrides.ts'
import { readPoolsFile, registerPoolsOfFile } from './resources/pools-file.ts'

const usage = 'usage: fjord-api [serve | migrate | quota ORG LIMIT=VALUE|plan ...]'
const sweepIntervalMs = 15 * 60 * 1000
// Past the grace, whatever still runs is cut short; this much later the process gives up.
const lastResortMs = 5_000

/**
 * Runs one command of fjord-api: `serve` (until SIGTERM or SIGINT), `migrate` or `quota`.
 * A failure is printed, naming what to fix, and ends the process with exit code 1.
 */
export async function main(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args)
  } catch (error) {
    const errors = error instanceof ApiError && error.errors ? error.errors : []
    console.error(
      error instanceof Error ? error.message : error,
      ...errors.map((e) => `\n  ${e.path}: ${e.message}`),
    )
    process.exit(1)
  }
}

async function run(command: string, args: string[]): Promise<void> {
  const config = loadConfig()
  const logger = pino({ level: config.logLevel })
  if (command === 'serve') return serve(config, logger)
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
  throw new Error(usage)
}

async function serve(config: Config, logger: Logger): Promise<void> {
  // A signal before the api listens ends it at once: it has taken no request, nor the Lease.
  let shutDown: ((signal: string) => Promise<void>) | undefined
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (!shutDown) process.exit(0)
      shutDown(signal).catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      })
    })
  }
  const kube = openKube(config)
  // Before the database is opened: a pool that cannot be registered stops the api at once.
  if (kube && config.poolsFile) {
    const pools = readPoolsFile(config.poolsFile)
    await registerPoolsOfFile(kube, config, config.poolsFile, pools)
    logger.info({ pools: pools.map((pool) => pool.name) }, 'pools of FJORD_POOLS_FILE registered')
  }
  const database = openDatabase(config)
  // The embedded database has no separate migration step: it is brought up to date here.
  if (database.driver === 'pglite') await database.migrate()
  const { app, drain, close: closeApp } = createApp({ config, database, logger, kube })
  // With a Kubernetes to provision into, this process also drains the outbox into custom
  // resources and writes their status back: every replica drains, the one holding the status
  // Lease writes status. In a pod the hostname is the pod's name; the suffix tells a restarted
  // process from its previous life.
  const scope = { db: database.db, log: logger, resourceLabels: config.resourceLabels }
  const provisioner =
    kube &&
    new Provisioner({
      ...scope,
      kube,
      notifications: database,
      orgAccess: orgAccessOf(config),
    })
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
  if (!kube) logger.warn('no Kubernetes configured (FJORD_KUBECONFIG): nothing will be provisioned')
  const server = createAdaptorServer({ fetch: app.fetch }) as Server
  let stopping = false
  // Once stopping, a kept-alive connection is closed as soon as its answer is sent; it would
  // otherwise hold the server open for the keep-alive timeout, and take new requests meanwhile.
  server.on('request', (_request, response) =>
    response.once('finish', () => stopping && server.closeIdleConnections()),
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  const { address, port } = server.address() as AddressInfo
  if (config.portFile) writePortFile(config.portFile, port)
  logger.info({ address, port, driver: database.driver }, 'listening')
  const sweeper = setInterval(
    () => sweepExpired(database.db).catch((error) => logger.warn({ err: error }, 'sweep failed')),
    sweepIntervalMs,
  )
  // Started after the wait for the port, so that a signal meanwhile finds no Lease to hand back.
  provisioner?.start()
  watcher?.start()

  /**
   * Readiness fails at once and no connection is taken; the requests in flight finish (long
   * message browses end with their `done` line), as do the provisioner's and the status
   * watcher's current work, which then hands back the status Lease. Past the grace, open
   * connections are cut.
   */
  shutDown = async (signal: string) => {
    const graceMs = config.shutdownGraceSeconds * 1000
    logger.info({ signal, graceMs }, 'shutting down')
    clearInterval(sweeper)
    stopping = true
    drain()
    const cut = setTimeout(() => {
      logger.warn('the shutdown grace is over: closing the connections still open')
      server.closeAllConnections()
    }, graceMs)
    setTimeout(() => {
      logger.error('still not stopped after the shutdown grace: exiting')
      process.exit(1)
    }, graceMs + lastResortMs).unref()
    const requestsDone = new Promise((resolve) => server.close(resolve))
    await Promise.all([requestsDone, provisioner?.stop(), watcher?.stop()])
    clearTimeout(cut)
    await closeApp()
    kube?.close()
    await database.close()
    logger.info('stopped')
    process.exit(0)
  }
}

function writePortFile(file: string, port: number): void {
  try {
    writeFileSync(file, `${port}\n`)
  } catch (error) {
    throw new Error(`FJORD_PORT_FILE: cannot write ${file}: ${(error as Error).message}`)
  }
}

if (import.meta.main) await main(process.argv[2] ?? 'serve', process.argv.slice(3))

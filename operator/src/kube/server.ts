import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { registry as operatorRegistry } from './metrics.ts'

/** Why the replica is not ready, or an empty list when it is. */
export type ReadinessCheck = () => string[]

/**
 * Ready once every informer has its first full list (a reconcile on a half-filled cache
 * would treat missing objects as deleted) and the elector is leading or standing by with a
 * working apiserver connection.
 */
export function operatorReadiness(parts: {
  informers: { name: string; informer: { hasSynced: boolean } }[]
  elector?: { healthy: boolean }
}): ReadinessCheck {
  return () => {
    const problems = parts.informers
      .filter(({ informer }) => !informer.hasSynced)
      .map(({ name }) => `informer ${name} has not synced`)
    if (parts.elector && !parts.elector.healthy) problems.push('leader election is not running')
    return problems
  }
}

export interface HealthServer {
  port: number
  close(): Promise<void>
}

/** Serves /metrics, /healthz (the process answers) and /readyz (see `operatorReadiness`). */
export async function startHealthServer(options: {
  port: number
  host?: string
  ready: ReadinessCheck
  registry?: Registry
}): Promise<HealthServer> {
  const registry = options.registry ?? operatorRegistry
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end()
      } else if (path === '/metrics') {
        const body = await registry.metrics()
        res.writeHead(200, { 'content-type': registry.contentType }).end(body)
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n')
      } else if (path === '/readyz') {
        const problems = options.ready()
        res
          .writeHead(problems.length ? 503 : 200, { 'content-type': 'text/plain' })
          .end(problems.length ? `${problems.join('\n')}\n` : 'ok\n')
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      }
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`)
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

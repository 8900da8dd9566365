import { randomUUID } from 'node:crypto'
import { createMiddleware } from 'hono/factory'
import { matchedRoutes } from 'hono/route'
import type { Logger } from 'pino'
import { Counter, Histogram, Registry } from 'prom-client'
import type { AppEnv } from './context.ts'

const acceptableRequestId = /^[\w.:-]{1,128}$/

export interface HttpMetrics {
  registry: Registry
  requests: Counter<'method' | 'route' | 'status'>
  duration: Histogram<'method' | 'route' | 'status'>
}

export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry()
  const requests = new Counter({
    name: 'fjord_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'fjord_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  return { registry, requests, duration }
}

// The route pattern, not the raw path, so label cardinality stays bounded.
function routeLabel(c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0]): string {
  const handler = matchedRoutes(c).findLast((route) => route.method !== 'ALL')
  return handler?.path ?? 'unmatched'
}

/** Request id, one JSON log line per request, and Prometheus counters. */
export function observe(logger: Logger, metrics: HttpMetrics) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && acceptableRequestId.test(incoming) ? incoming : randomUUID()
    const log = logger.child({ requestId })
    c.set('requestId', requestId)
    c.set('log', log)
    // Set before the response exists: touching its headers afterwards makes the node adapter
    // stream the body instead of writing it at once.
    c.header('x-request-id', requestId)
    const started = performance.now()
    await next()
    const seconds = (performance.now() - started) / 1000
    const labels = { method: c.req.method, route: routeLabel(c), status: String(c.res.status) }
    metrics.requests.inc(labels)
    metrics.duration.observe(labels, seconds)
    log.info({ ...labels, path: c.req.path, durationMs: Math.round(seconds * 1000) }, 'request')
  })
}

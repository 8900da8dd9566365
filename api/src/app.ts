import type { KubeClient } from '@fjord/kube/client'
import { bodyLimit } from 'hono/body-limit'
import { methodNotAllowed } from 'hono/method-not-allowed'
import pino, { type Logger } from 'pino'
import { AccessCache } from './auth/access-cache.ts'
import { authenticate } from './auth/middleware.ts'
import { FixedWindowLimiter } from './auth/rate-limit.ts'
import type { Config } from './config.ts'
import type { Database } from './db/client.ts'
import { ApiError } from './errors.ts'
import { serveApiDocs } from './http/api-docs.ts'
import { defaultConsoleDir, serveConsole } from './http/console.ts'
import { idempotency } from './http/idempotency.ts'
import { createHttpMetrics, observe } from './http/observability.ts'
import { handleError, problemResponse } from './http/problem.ts'
import { newRouter } from './http/router.ts'
import { PoolAdmins } from './kafka/pool-admins.ts'
import { apiKeyRoutes } from './routes/api-keys.ts'
import { auditEventRoutes } from './routes/audit-events.ts'
import { authRoutes } from './routes/auth.ts'
import { clusterRoutes } from './routes/clusters.ts'
import { credentialRoutes } from './routes/credentials.ts'
import { groupRoutes } from './routes/groups.ts'
import { invitationRoutes } from './routes/invitations.ts'
import { meRoutes } from './routes/me.ts'
import { memberRoutes } from './routes/members.ts'
import { messageRoutes } from './routes/messages.ts'
import { meteringRoutes } from './routes/metering.ts'
import { orgRoutes } from './routes/orgs.ts'
import { permissionRoutes } from './routes/permissions.ts'
import { poolRoutes } from './routes/pools.ts'
import { quotaRoutes } from './routes/quotas.ts'
import { serviceAccountRoutes } from './routes/service-accounts.ts'
import { systemRoutes } from './routes/system.ts'
import { topicPresetRoutes } from './routes/topic-presets.ts'
import { topicRoutes } from './routes/topics.ts'
import { usageRoutes } from './routes/usage.ts'

export interface AppDeps {
  config: Config
  database: Database
  logger?: Logger
  kube?: KubeClient
}

export interface App {
  app: ReturnType<typeof newRouter>
  /** Shutting down: readiness fails, and long answers (message browses) end early. */
  drain(): void
  /** Stops listening for the database's notifications; the database stays open. */
  close(): Promise<void>
}

export function createApp({ config, database, logger, kube }: AppDeps): App {
  const log = logger ?? pino({ level: config.logLevel })
  const metrics = createHttpMetrics()
  const loginLimiter = new FixedWindowLimiter(
    config.loginAttemptsPerWindow,
    config.loginWindowSeconds * 1000,
  )
  const access = new AccessCache()
  const stopFollowing = access.follow(database, log)
  const kafka = kube && new PoolAdmins(kube)
  const stopping = new AbortController()
  const app = newRouter()

  app.use(observe(log, metrics))
  app.use(async (c, next) => {
    c.set('db', database.db)
    c.set('access', access)
    c.set('config', config)
    c.set('kube', kube)
    c.set('kafka', kafka)
    await next()
  })
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, allowed) =>
        problemResponse(c, new ApiError('method_not_allowed', `Use one of ${allowed.join(', ')}`), {
          allow: allowed.join(', '),
        }),
    }),
  )
  app.use(
    bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        throw new ApiError(
          'payload_too_large',
          `Bodies are limited to ${config.bodyLimitBytes} bytes`,
        )
      },
    }),
  )
  app.use('/v1/*', authenticate, idempotency)

  app.route('/', systemRoutes(database, metrics, stopping.signal))
  app.route('/', authRoutes(loginLimiter))
  app.route('/', meteringRoutes())
  app.route('/', poolRoutes())
  for (const routes of [
    meRoutes,
    orgRoutes,
    permissionRoutes,
    memberRoutes,
    invitationRoutes,
    apiKeyRoutes,
    clusterRoutes,
    topicRoutes,
    topicPresetRoutes,
    () => messageRoutes(stopping.signal),
    serviceAccountRoutes,
    credentialRoutes,
    groupRoutes,
    quotaRoutes,
    usageRoutes,
    auditEventRoutes,
  ]) {
    app.route('/', routes())
  }

  serveApiDocs(app)
  app.use(serveConsole(config.consoleDir ?? defaultConsoleDir()))
  app.notFound((c) => problemResponse(c, new ApiError('not_found', `No route for ${c.req.path}`)))
  app.onError(handleError)
  const close = async () => {
    await stopFollowing()
    await kafka?.close()
  }
  return { app, drain: () => stopping.abort(), close }
}

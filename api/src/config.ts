import { z } from 'zod'

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1')

const configSchema = z
  .object({
    host: z.string().default('0.0.0.0'),
    port: z.coerce.number().int().min(0).max(65_535).default(8080),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    // Real PostgreSQL when set; otherwise the embedded PGlite in dataDir (or in memory).
    databaseUrl: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    dataDir: z.string().default('.fjord/data'),
    inMemory: booleanFromEnv.default(false),
    // Set when a TLS-terminating proxy sits in front: cookies get Secure, X-Forwarded-For is trusted.
    behindTls: booleanFromEnv.default(false),
    bodyLimitBytes: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    defaultReplicationFactor: z.coerce.number().int().min(1).max(5).default(3),
    loginAttemptsPerWindow: z.coerce.number().int().positive().default(10),
    loginWindowSeconds: z.coerce.number().int().positive().default(900),
    // Where the provisioner and the status watcher reach Kubernetes: a kubeconfig file, or the
    // pod's service account. Neither set: the api keeps the desired state and provisions nothing.
    kubeconfig: z.string().min(1).optional(),
    kubeInCluster: booleanFromEnv.default(false),
    // Labels put on every custom resource the api makes, and required of the pools it places
    // clusters on: several Fjord installations can then share one Kubernetes, each with an
    // operator started with --selector on the same labels.
    resourceLabels: z
      .string()
      .regex(/^([a-z0-9./-]+=[A-Za-z0-9._-]*)(,[a-z0-9./-]+=[A-Za-z0-9._-]*)*$/, 'k=v[,k=v...]')
      .transform((value) => Object.fromEntries(value.split(',').map((pair) => pair.split('='))))
      .optional(),
    // Where the pools' admin Secrets live, and the Lease of the api's status watchers.
    systemNamespace: z.string().min(1).max(63).default('fjord-system'),
    // The ClusterRole of the api's rights inside an org's namespace (its password Secrets), and
    // the api's own ServiceAccount in systemNamespace: the api binds the one to the other in
    // each namespace it makes, so it holds no Secret rights anywhere else. Unset: no binding
    // is made (the api's rights then come from elsewhere, e.g. a kubeconfig's user).
    orgRole: z.string().min(1).optional(),
    serviceAccount: z.string().min(1).optional(),
    // The platform admin's bearer token for /admin/v1 (pools); unset, those routes are off.
    platformToken: z.string().min(16, 'must be at least 16 characters').optional(),
    // The operator's bearer token for the internal metering endpoint; unset, the endpoint is off.
    meteringToken: z.string().min(16, 'must be at least 16 characters').optional(),
    // The built web console to serve at `/`; by default the build of @fjord/web beside the api.
    consoleDir: z.string().min(1).optional(),
    // Pools registered at start-up, as PUT /admin/v1/pools/{name} registers them.
    poolsFile: z.string().min(1).optional(),
    // Where the port the api listens on is written, once it listens (PORT=0 picks a free one).
    portFile: z.string().min(1).optional(),
    // How long a SIGTERM waits for requests and the provisioner's work in flight.
    shutdownGraceSeconds: z.coerce.number().int().min(1).max(3600).default(20),
  })
  .refine((config) => !config.orgRole || config.serviceAccount, {
    path: ['serviceAccount'],
    message: 'names the ServiceAccount FJORD_ORG_ROLE is bound to; set it with FJORD_ORG_ROLE',
  })
  .refine((config) => !config.poolsFile || config.kubeconfig || config.kubeInCluster, {
    path: ['poolsFile'],
    message: 'pools are registered in Kubernetes: set FJORD_KUBECONFIG or FJORD_KUBE_IN_CLUSTER',
  })

export type Config = z.infer<typeof configSchema>

/** The environment variable of each setting: the table in docs/configuration.md lists them. */
export const envNames: Record<keyof Config, string> = {
  host: 'HOST',
  port: 'PORT',
  logLevel: 'LOG_LEVEL',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'FJORD_DATA_DIR',
  inMemory: 'FJORD_IN_MEMORY',
  behindTls: 'FJORD_BEHIND_TLS',
  bodyLimitBytes: 'FJORD_BODY_LIMIT_BYTES',
  defaultReplicationFactor: 'FJORD_DEFAULT_REPLICATION_FACTOR',
  loginAttemptsPerWindow: 'FJORD_LOGIN_ATTEMPTS_PER_WINDOW',
  loginWindowSeconds: 'FJORD_LOGIN_WINDOW_SECONDS',
  kubeconfig: 'FJORD_KUBECONFIG',
  kubeInCluster: 'FJORD_KUBE_IN_CLUSTER',
  systemNamespace: 'FJORD_SYSTEM_NAMESPACE',
  resourceLabels: 'FJORD_RESOURCE_LABELS',
  orgRole: 'FJORD_ORG_ROLE',
  serviceAccount: 'FJORD_SERVICE_ACCOUNT',
  platformToken: 'FJORD_PLATFORM_TOKEN',
  meteringToken: 'FJORD_METERING_TOKEN',
  consoleDir: 'FJORD_CONSOLE_DIR',
  poolsFile: 'FJORD_POOLS_FILE',
  portFile: 'FJORD_PORT_FILE',
  shutdownGraceSeconds: 'FJORD_SHUTDOWN_GRACE_SECONDS',
}

/** Reads the configuration once from the environment; throws naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(
    Object.entries(envNames).map(([key, name]) => [key, env[name] === '' ? undefined : env[name]]),
  )
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${envNames[issue.path[0] as keyof Config]}: ${issue.message}`,
    )
    throw new Error(`invalid configuration: ${problems.join('; ')}`)
  }
  return parsed.data
}

/** Configuration for tests: in-memory database, quiet logs, overridable. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...configSchema.parse({ inMemory: 'true', logLevel: 'silent' }), ...overrides }
}

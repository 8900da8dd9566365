import { accessSync, constants } from 'node:fs'
import { hostname } from 'node:os'
import { parseArgs } from 'node:util'

/** The pino levels `--log-level` takes. */
const logLevels = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof logLevels)[number]

/**
 * Node flags the operator runs with. V8's default heap grows far beyond what the operator
 * keeps alive; a bounded young and old generation keep it at ~210 MiB RSS with 10,000
 * KafkaTopics (bench:operator) instead of ~370 MiB. Raise the old space for far more objects.
 */
export const operatorNodeFlags = ['--max-old-space-size=128', '--max-semi-space-size=4']

export const usage = `Usage: fjord-operator [options]

Reconciles KafkaPool, KafkaCluster, KafkaTopic and KafkaUser resources (fjord.dev/v1alpha1)
into real Kafka. Runs against the cluster of --kubeconfig, $KUBECONFIG, ~/.kube/config or,
in a pod, its service account.

Options:
  --kubeconfig PATH        kubeconfig to use
  --install-crds           apply Fjord's CRDs (@fjord/contract) before starting
  --lease-namespace NS     namespace of the leader-election Lease (default: $POD_NAMESPACE or fjord-system)
  --identity ID            this replica's name in the Lease (default: <hostname>-<pid>)
  --port N                 /metrics, /healthz and /readyz (default 8081; 0 picks a free port)
  --topic-concurrency N    KafkaTopic reconciles at once (default 256)
  --resync-seconds N       reconcile every object again this often (default 300)
  --selector LABELS        only reconcile resources with these labels (e.g. fjord.dev/shard=a)
  --metering-url URL       post usage samples there (default: $FJORD_METERING_URL; unset: no
                           metering), with the token in $FJORD_METERING_TOKEN
  --metering-interval-seconds N  sample usage this often (default 60)
  --log-level LEVEL        debug, info, warn or error (default info); a reconcile that met
                           a newer version of its object is retried and logged at debug
  -h, --help               this text

Environment (docs/configuration.md): KUBECONFIG, POD_NAMESPACE, FJORD_METERING_URL,
FJORD_METERING_TOKEN, FJORD_PORT_FILE (the port is written there once it listens) and
FJORD_SHUTDOWN_GRACE_SECONDS (how long SIGTERM waits for reconciles in flight; default 20).
`

/** KafkaTopic reconciles at once unless --topic-concurrency says otherwise. */
export const defaultTopicConcurrency = 256

/** The environment variables the operator reads; docs/configuration.md lists them. */
export const operatorEnvNames = {
  kubeconfig: 'KUBECONFIG',
  leaseNamespace: 'POD_NAMESPACE',
  meteringUrl: 'FJORD_METERING_URL',
  meteringToken: 'FJORD_METERING_TOKEN',
  portFile: 'FJORD_PORT_FILE',
  shutdownGraceSeconds: 'FJORD_SHUTDOWN_GRACE_SECONDS',
} as const

export interface OperatorConfig {
  kubeconfig: string | undefined
  installCrds: boolean
  leaseNamespace: string
  identity: string
  port: number
  topicConcurrency: number
  resyncMs: number
  selector: string | undefined
  /** Usage metering; off when undefined. */
  metering?: MeteringConfig
  /** The least level logged; info when undefined. */
  logLevel?: LogLevel
  /** Where the health server's port is written once it listens. */
  portFile?: string
  /** How long a stop waits for the reconciles in flight; 20 s when undefined. */
  shutdownGraceMs?: number
}

export interface MeteringConfig {
  /** The api's POST /internal/v1/usage-samples. */
  url: string
  token: string
  intervalMs: number
}

function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be a whole number from 1 to ${max}, got "${raw}"`)
  }
  return value
}

/** A setting from its flag, else from its environment variable: named as it was given. */
interface Setting {
  name: string
  raw: string | undefined
}

/** Reads and checks the command line and environment once, at start-up. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      'install-crds': { type: 'boolean', default: false },
      'lease-namespace': { type: 'string' },
      identity: { type: 'string' },
      port: { type: 'string' },
      'topic-concurrency': { type: 'string' },
      'resync-seconds': { type: 'string' },
      selector: { type: 'string' },
      'metering-url': { type: 'string' },
      'metering-interval-seconds': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return 'help'
  // An empty variable counts as unset, as in the api.
  const variable = (key: keyof typeof operatorEnvNames): Setting => {
    const name = operatorEnvNames[key]
    return { name, raw: env[name] || undefined }
  }
  const setting = (flag: string, key: keyof typeof operatorEnvNames): Setting => {
    const raw = values[flag as keyof typeof values]
    return typeof raw === 'string' ? { name: `--${flag}`, raw } : variable(key)
  }
  const portFile = variable('portFile').raw
  const grace = variable('shutdownGraceSeconds')
  return {
    kubeconfig: readableFile(setting('kubeconfig', 'kubeconfig')),
    installCrds: values['install-crds'] ?? false,
    leaseNamespace: namespaceName(setting('lease-namespace', 'leaseNamespace')) ?? 'fjord-system',
    identity: values.identity ?? `${hostname()}-${process.pid}`,
    port: values.port === '0' ? 0 : positiveInt('--port', values.port, 8081, 65535),
    // A pass mostly waits on Kafka and the apiserver (whose client keeps 32 connections), so
    // many at once cost little, and the creates of a bulk apply gather into bigger batches.
    topicConcurrency: positiveInt(
      '--topic-concurrency',
      values['topic-concurrency'],
      defaultTopicConcurrency,
      1000,
    ),
    resyncMs: positiveInt('--resync-seconds', values['resync-seconds'], 300, 86400) * 1000,
    selector: values.selector,
    metering: meteringConfig(
      setting('metering-url', 'meteringUrl'),
      variable('meteringToken'),
      values['metering-interval-seconds'],
    ),
    logLevel: logLevel(values['log-level']),
    ...(portFile ? { portFile } : {}),
    shutdownGraceMs: positiveInt(grace.name, grace.raw, 20, 3600) * 1000,
  }
}

function readableFile({ name, raw }: Setting): string | undefined {
  if (raw === undefined) return undefined
  try {
    accessSync(raw, constants.R_OK)
  } catch (error) {
    throw new Error(
      `${name} must name a kubeconfig file this process can read: ${(error as Error).message}`,
    )
  }
  return raw
}

function namespaceName({ name, raw }: Setting): string | undefined {
  if (raw === undefined) return undefined
  if (raw.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw)) {
    throw new Error(
      `${name} must be a namespace's name (lowercase letters, digits and '-', at most 63), got "${raw}"`,
    )
  }
  return raw
}

function logLevel(raw: string | undefined): LogLevel {
  if (raw === undefined) return 'info'
  const level = logLevels.find((known) => known === raw)
  if (!level) throw new Error(`--log-level must be one of ${logLevels.join(', ')}, got "${raw}"`)
  return level
}

// The token comes from the environment only: a flag would show it to anyone who can run ps.
// The api accepts no shorter token, so a shorter one could only ever be refused there.
function meteringConfig(
  url: Setting,
  token: Setting,
  intervalSeconds: string | undefined,
): MeteringConfig | undefined {
  const intervalMs = positiveInt('--metering-interval-seconds', intervalSeconds, 60, 3600) * 1000
  if (token.raw !== undefined && token.raw.length < 16) {
    throw new Error(`${token.name} must be at least 16 characters, as the api requires`)
  }
  if (!url.raw) return undefined
  if (!URL.canParse(url.raw) || !/^https?:$/.test(new URL(url.raw).protocol)) {
    throw new Error(`${url.name} must be an http or https URL, got "${url.raw}"`)
  }
  if (!token.raw) throw new Error(`${url.name} needs the api's token in ${token.name}`)
  return { url: url.raw, token: token.raw, intervalMs }
}

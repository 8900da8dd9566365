import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse, stringify } from 'yaml'
import { CliError } from './errors.ts'

/** One set of saved settings: which API, as whom, and the default org and cluster. */
export interface Profile {
  apiUrl?: string
  apiKey?: string
  /** The name of the key `fjord login` minted, so that `fjord logout` can revoke it. */
  apiKeyName?: string
  org?: string
  cluster?: string
  /** Service accounts' credentials issued through fjord, by `credentialKey`: produce and consume log in with them. */
  credentials?: Record<string, StoredCredential>
}

/** A service account's Kafka login as the API issued it (shown once, so kept here, mode 0600). */
export interface StoredCredential {
  id: string
  bootstrapServers: string | null
  securityProtocol: 'SASL_PLAINTEXT' | 'SASL_SSL'
  saslMechanism: 'SCRAM-SHA-512'
  username: string
  password: string
  /** The cluster's Kafka prefix: short names map to `topicPrefix + name` and back. */
  topicPrefix: string
}

/** Where a profile keeps the credential of one service account. */
export const credentialKey = (org: string, cluster: string, serviceAccount: string) =>
  `${org}/${cluster}/${serviceAccount}`

export interface ConfigFile {
  current?: string
  profiles: Record<string, Profile>
}

/** What the environment may set, read once at start-up. */
export interface Environment {
  apiUrl?: string
  apiKey?: string
  profile?: string
  org?: string
  cluster?: string
  /** The service account produce and consume log in as (FJORD_SERVICE_ACCOUNT). */
  serviceAccount?: string
  configPath: string
  noColor: boolean
}

export const defaultApiUrl = 'http://127.0.0.1:8080'
export const defaultProfile = 'default'

export function readEnvironment(env: NodeJS.ProcessEnv, home = homedir()): Environment {
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config')
  return {
    apiUrl: env.FJORD_API_URL || undefined,
    apiKey: env.FJORD_API_KEY || undefined,
    profile: env.FJORD_PROFILE || undefined,
    org: env.FJORD_ORG || undefined,
    cluster: env.FJORD_CLUSTER || undefined,
    serviceAccount: env.FJORD_SERVICE_ACCOUNT || undefined,
    configPath: join(configHome, 'fjord', 'config.yaml'),
    noColor: Boolean(env.NO_COLOR),
  }
}

export async function loadConfig(path: string): Promise<ConfigFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} }
    throw error
  }
  const parsed = parse(text) as Partial<ConfigFile> | null
  if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    throw new CliError(`${path} is not a fjord config file`, {
      suggestion: 'fix or remove it, then run `fjord login`',
    })
  }
  return { current: parsed?.current, profiles: parsed?.profiles ?? {} }
}

/** Writes the config readable by its owner only: it holds API keys. */
export async function saveConfig(path: string, config: ConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeFile(path, stringify(config), { mode: 0o600 })
  // writeFile keeps the mode of a file that exists already.
  await chmod(path, 0o600)
}

/** Flags that override the environment and the profile. */
export interface GlobalFlags {
  profile?: string
  apiUrl?: string
  org?: string
  cluster?: string
}

/** The settings a command runs with: flag, then environment, then profile. */
export interface Settings {
  profileName: string
  apiUrl: string
  apiKey?: string
  org?: string
  cluster?: string
}

export function resolveSettings(
  flags: GlobalFlags,
  env: Environment,
  config: ConfigFile,
): Settings {
  const profileName = flags.profile ?? env.profile ?? config.current ?? defaultProfile
  const profile = config.profiles[profileName] ?? {}
  return {
    profileName,
    apiUrl: (flags.apiUrl ?? env.apiUrl ?? profile.apiUrl ?? defaultApiUrl).replace(/\/+$/, ''),
    apiKey: env.apiKey ?? profile.apiKey,
    org: flags.org ?? env.org ?? profile.org,
    cluster: flags.cluster ?? env.cluster ?? profile.cluster,
  }
}

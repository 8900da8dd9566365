import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StackConfig } from '../config.ts'

/** Secrets generated once per stack directory and kept across restarts. */
export interface Secrets {
  postgresPassword: string
  kafkaAdminPassword: string
  kubeAdminToken: string
  /** The api's platform admin token (pools). */
  platformToken: string
  /** The operator's token for the api's metering endpoint. */
  meteringToken: string
}

export interface Context {
  config: StackConfig
  secrets: Secrets
}

/** One part of the stack; every method is idempotent. */
export interface Service {
  name: string
  /** Makes the binaries available (from the version-keyed cache when already built). */
  install(): Promise<void>
  /** Starts the service unless it already runs, and waits until it answers a real request. */
  up(): Promise<void>
  down(): Promise<void>
  /** One line: how it runs, or that it does not. */
  status(): Promise<string>
  logFiles(): string[]
}

export function loadSecrets(stackDir: string): Secrets {
  const path = join(stackDir, 'secrets.json')
  const kept: Partial<Secrets> = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {}
  const token = () => randomBytes(18).toString('base64url')
  // A stack made by an older Fjord lacks the newer secrets: they are added, nothing changes.
  const secrets: Secrets = {
    postgresPassword: kept.postgresPassword ?? token(),
    kafkaAdminPassword: kept.kafkaAdminPassword ?? token(),
    kubeAdminToken: kept.kubeAdminToken ?? token(),
    platformToken: kept.platformToken ?? token(),
    meteringToken: kept.meteringToken ?? token(),
  }
  if (Object.keys(kept).length !== Object.keys(secrets).length) {
    mkdirSync(stackDir, { recursive: true })
    // Written aside and renamed into place: a command reading it at the same moment sees
    // the old file or the new one, never half of one.
    const aside = `${path}.${process.pid}`
    writeFileSync(aside, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
    renameSync(aside, path)
  }
  return secrets
}

import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StackConfig } from '../config.ts'

/** Secrets generated once per stack directory and kept across restarts. */
export interface Secrets {
  postgresPassword: string
  kafkaAdminPassword: string
  kubeAdminToken: string
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
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as Secrets
  const token = () => randomBytes(18).toString('base64url')
  const secrets: Secrets = {
    postgresPassword: token(),
    kafkaAdminPassword: token(),
    kubeAdminToken: token(),
  }
  mkdirSync(stackDir, { recursive: true })
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
  return secrets
}

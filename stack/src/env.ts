import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from './config.ts'

/**
 * What a running stack offers to the rest of the project: written by `stack up` to
 * `<stackDir>/env.json`, read by integration tests and by the product's start command.
 */
export interface StackEnv {
  postgres: { url: string; adminUrl: string }
  kafka: {
    bootstrapServers: string
    /**
     * The admin's mechanism, SCRAM-SHA-256: never the tenants' (KafkaUsers are SCRAM-SHA-512),
     * so that KAFKA-20774 cannot take the admin's login with theirs.
     */
    saslMechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
    admin: { username: string; password: string }
  }
  kube: { server: string; kubeconfig: string; token: string }
  helm: { bin: string }
  kcat: { bin: string; libraryPath: string }
  chromium: { bin: string }
  /** Present when the stack runs a node (`up --node`). */
  node?: NodeEnv
}

/** The stack's node: its name, and how to load images into its containerd. */
export interface NodeEnv {
  name: string
  containerd: { address: string }
  /** `ctr` with this containerd, the `k8s.io` namespace and its snapshotter as defaults. */
  ctr: { bin: string }
}

export function stackEnvPath(stackDir = loadConfig().stackDir): string {
  return join(stackDir, 'env.json')
}

export function readStackEnv(stackDir?: string): StackEnv {
  const path = stackEnvPath(stackDir)
  if (!existsSync(path)) {
    throw new Error(`${path} does not exist: start the stack first with \`npm run stack up\``)
  }
  return JSON.parse(readFileSync(path, 'utf8')) as StackEnv
}

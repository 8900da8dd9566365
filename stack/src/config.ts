import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { StackError } from './proc.ts'

/** Pinned versions of every part the stack installs; the cache is keyed by them. */
export const versions = {
  kafka: '4.1.1',
  kubernetes: 'v1.37.2',
  etcd: 'v3.7.3',
  helm: 'v4.3.1',
  /** PyPI wheel whose bundled librdkafka (2.16.0) can log in to Kafka 4 with SCRAM. */
  confluentKafkaWheel: '2.16.1',
} as const

export interface StackConfig {
  repoRoot: string
  /** Data, logs, pid files and generated secrets: git-ignored, removed by `stack clean`. */
  stackDir: string
  /** Version-keyed binaries that are slow to build, shared by every clone on the machine. */
  cacheDir: string
  ports: {
    postgres: number
    kafka: number
    kafkaController: number
    etcd: number
    etcdPeer: number
    kubeApiserver: number
    kubeControllerManager: number
    kubeScheduler: number
    kubelet: number
    kubeletHealthz: number
  }
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1024 || value > 65535) {
    throw new StackError(`${name} must be a port number between 1024 and 65535, got "${raw}"`)
  }
  return value
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const repoRoot = resolve(import.meta.dirname, '../..')
  return {
    repoRoot,
    stackDir: resolve(env.FJORD_STACK_DIR || join(repoRoot, '.stack')),
    cacheDir: resolve(env.FJORD_CACHE_DIR || join(homedir(), '.cache', 'fjord')),
    ports: {
      postgres: port(env, 'FJORD_POSTGRES_PORT', 54329),
      kafka: port(env, 'FJORD_KAFKA_PORT', 19092),
      kafkaController: port(env, 'FJORD_KAFKA_CONTROLLER_PORT', 19093),
      etcd: port(env, 'FJORD_ETCD_PORT', 12379),
      etcdPeer: port(env, 'FJORD_ETCD_PEER_PORT', 12380),
      kubeApiserver: port(env, 'FJORD_KUBE_APISERVER_PORT', 16443),
      kubeControllerManager: port(env, 'FJORD_KUBE_CONTROLLER_MANAGER_PORT', 16444),
      kubeScheduler: port(env, 'FJORD_KUBE_SCHEDULER_PORT', 16445),
      kubelet: port(env, 'FJORD_KUBELET_PORT', 16450),
      kubeletHealthz: port(env, 'FJORD_KUBELET_HEALTHZ_PORT', 16451),
    },
  }
}

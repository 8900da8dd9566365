import type { KafkaPool } from '@fjord/contract/types'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { objectPath, Secrets } from '@fjord/kube/resources'
import { KafkaAdmin } from './admin.ts'
import { platformMechanism } from './scram.ts'

interface Secret extends KubeObject {
  data?: Record<string, string>
}

/** The pool's admin Secret is missing or lacks a key: the pool cannot be used until it is fixed. */
export class PoolCredentialsError extends Error {
  override name = 'PoolCredentialsError'
}

/**
 * One KafkaAdmin per pool, made from the pool's spec and admin Secret and replaced when
 * either changes (a new bootstrap list, a rotated admin password). `onDisconnect` hears of
 * every closed connection of a pool's admin client: a broker may have restarted.
 */
export class KafkaConnections {
  readonly #client: KubeClient
  readonly #onDisconnect: ((pool: string) => void) | undefined
  readonly #admins = new Map<string, { version: string; admin: KafkaAdmin }>()

  constructor(
    client: KubeClient,
    { onDisconnect }: { onDisconnect?: (pool: string) => void } = {},
  ) {
    this.#client = client
    this.#onDisconnect = onDisconnect
  }

  async forPool(pool: KafkaPool): Promise<KafkaAdmin> {
    const ref = pool.spec.adminCredentialsSecretRef
    let secret: Secret
    try {
      secret = await this.#client.get<Secret>(objectPath(Secrets, ref.name, ref.namespace))
    } catch (error) {
      throw new PoolCredentialsError(
        `the admin Secret ${ref.namespace}/${ref.name} of pool ${pool.metadata.name} cannot be read: ${(error as Error).message}`,
      )
    }
    const version = `${pool.metadata.generation}/${secret.metadata.resourceVersion}`
    const cached = this.#admins.get(pool.metadata.name)
    if (cached?.version === version) return cached.admin
    const field = (key: string) => {
      const value = secret.data?.[key]
      if (value === undefined) {
        throw new PoolCredentialsError(
          `the admin Secret ${ref.namespace}/${ref.name} has no key "${key}"`,
        )
      }
      return Buffer.from(value, 'base64').toString('utf8')
    }
    const admin = new KafkaAdmin({
      bootstrapServers: pool.spec.bootstrapServers,
      // The CRD's default, for a pool that never went through the apiserver.
      mechanism: pool.spec.saslMechanism ?? platformMechanism,
      username: field(ref.usernameKey ?? 'username'),
      password: field(ref.passwordKey ?? 'password'),
    })
    const onDisconnect = this.#onDisconnect
    if (onDisconnect) admin.onBrokerDisconnect(() => onDisconnect(pool.metadata.name))
    await cached?.admin.close()
    this.#admins.set(pool.metadata.name, { version, admin })
    return admin
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#admins.values()].map(({ admin }) => admin.close()))
    this.#admins.clear()
  }
}

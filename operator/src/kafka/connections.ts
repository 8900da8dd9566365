import type { KafkaPool } from '@fjord/contract/types'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { objectPath, Secrets } from '@fjord/kube/resources'
import { type Clock, systemClock } from '@fjord/time/clock'
import { KafkaAdmin } from './admin.ts'
import { platformMechanism } from './scram.ts'

interface Secret extends KubeObject {
  data?: Record<string, string>
}

/** The pool's admin Secret is missing or lacks a key: the pool cannot be used until it is fixed. */
export class PoolCredentialsError extends Error {
  override name = 'PoolCredentialsError'
}

/** How long one read of a pool's admin Secret serves every pass that needs the pool's admin. */
export const defaultSecretMaxAgeMs = 5_000

interface ConnectionsOptions {
  /** Hears of every closed connection of a pool's admin client: a broker may have restarted. */
  onDisconnect?: (pool: string) => void
  /** A rotated admin password is in use this long after it was written, at most. */
  secretMaxAgeMs?: number
  clock?: Clock
}

/**
 * One KafkaAdmin per pool, made from the pool's spec and admin Secret and replaced when
 * either changes (a new bootstrap list, a rotated admin password). The Secret is read once
 * for all the passes that ask within `secretMaxAgeMs`, not once a pass: a bulk apply of a
 * thousand topics would otherwise cost the apiserver a thousand reads of the same Secret.
 */
export class KafkaConnections {
  readonly #client: KubeClient
  readonly #onDisconnect: ((pool: string) => void) | undefined
  readonly #secretMaxAgeMs: number
  readonly #clock: Clock
  readonly #admins = new Map<string, { version: string; admin: KafkaAdmin }>()
  /** Reads of admin Secrets, by namespace/name: the one in flight or the last that succeeded. */
  readonly #secrets = new Map<string, { at: number; read: Promise<Secret> }>()

  constructor(
    client: KubeClient,
    {
      onDisconnect,
      secretMaxAgeMs = defaultSecretMaxAgeMs,
      clock = systemClock,
    }: ConnectionsOptions = {},
  ) {
    this.#client = client
    this.#onDisconnect = onDisconnect
    this.#secretMaxAgeMs = secretMaxAgeMs
    this.#clock = clock
  }

  async forPool(pool: KafkaPool): Promise<KafkaAdmin> {
    const ref = pool.spec.adminCredentialsSecretRef
    let secret: Secret
    try {
      secret = await this.#readSecret(ref.namespace, ref.name)
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
    // Kept before the old one is closed: passes that read the same Secret meanwhile use it.
    this.#admins.set(pool.metadata.name, { version, admin })
    await cached?.admin.close()
    return admin
  }

  #readSecret(namespace: string, name: string): Promise<Secret> {
    const key = `${namespace}/${name}`
    const now = this.#clock.now()
    const last = this.#secrets.get(key)
    if (last && now - last.at < this.#secretMaxAgeMs) return last.read
    const entry = { at: now, read: this.#client.get<Secret>(objectPath(Secrets, name, namespace)) }
    this.#secrets.set(key, entry)
    // A failed read serves no one after it: the next pass reads again.
    entry.read.catch(() => {
      if (this.#secrets.get(key) === entry) this.#secrets.delete(key)
    })
    return entry.read
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#admins.values()].map(({ admin }) => admin.close()))
    this.#admins.clear()
    this.#secrets.clear()
  }
}

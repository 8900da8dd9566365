import { KafkaPools } from '@fjord/contract/resources'
import type { KafkaPool } from '@fjord/contract/types'
import { getObject } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { Secrets } from '@fjord/kube/resources'
import { Admin } from '@platformatic/kafka'
import { ApiError } from '../errors.ts'
import { kubeRefusal } from '../provisioner/kube.ts'

interface Secret extends KubeObject {
  data?: Record<string, string>
}

/**
 * How long the api waits on Kafka: a request answers within seconds, with 503 when Kafka does
 * not (the operator, which retries in the background, waits longer).
 */
const timeouts = { connectTimeout: 3_000, requestTimeout: 5_000, retries: 1, retryDelay: 250 }

const unavailable = (pool: string, why: string) =>
  new ApiError('unavailable', `Kafka cannot be reached: the pool ${pool} ${why}; try again`)

/**
 * The platform's admin client of each pool, from the KafkaPool's spec and its admin Secret
 * (the contract the operator reads them by), made again when either changes: a new
 * bootstrap list, a rotated password. What the api asks of Kafka for a tenant goes through
 * it, with the platform's login and never a tenant's.
 */
export class PoolAdmins {
  readonly #kube: KubeClient
  readonly #admins = new Map<string, { version: string; admin: Admin }>()

  constructor(kube: KubeClient) {
    this.#kube = kube
  }

  async forPool(name: string): Promise<Admin> {
    const { pool, secret } = await this.#read(name)
    const version = `${pool.metadata.generation}/${secret.metadata.resourceVersion}`
    const cached = this.#admins.get(name)
    if (cached?.version === version) return cached.admin
    const ref = pool.spec.adminCredentialsSecretRef
    const field = (key: string) => {
      const value = secret.data?.[key]
      if (value === undefined) throw unavailable(name, `has no "${key}" in its admin Secret`)
      return Buffer.from(value, 'base64').toString('utf8')
    }
    const admin = new Admin({
      clientId: 'fjord-api',
      bootstrapBrokers: pool.spec.bootstrapServers,
      sasl: {
        // The CRD's default, for a pool that never went through the apiserver.
        mechanism: pool.spec.saslMechanism ?? 'SCRAM-SHA-256',
        username: field(ref.usernameKey ?? 'username'),
        password: field(ref.passwordKey ?? 'password'),
      },
      ...(pool.spec.securityProtocol === 'SASL_SSL' ? { tls: {} } : {}),
      ...timeouts,
    })
    this.#admins.set(name, { version, admin })
    await cached?.admin.close().catch(() => undefined)
    return admin
  }

  async #read(name: string) {
    const signal = AbortSignal.timeout(timeouts.requestTimeout)
    try {
      const pool = await getObject<KafkaPool & KubeObject>(
        this.#kube,
        KafkaPools,
        name,
        undefined,
        {
          signal,
        },
      )
      if (!pool) throw unavailable(name, 'is not registered')
      const ref = pool.spec.adminCredentialsSecretRef
      const secret = await getObject<Secret>(this.#kube, Secrets, ref.name, ref.namespace, {
        signal,
      })
      if (!secret) throw unavailable(name, `has no admin Secret ${ref.namespace}/${ref.name}`)
      return { pool, secret }
    } catch (error) {
      if (error instanceof ApiError) throw error
      throw kubeRefusal(error, 'Kafka was not asked: its pool could not be read')
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#admins.values()].map(({ admin }) => admin.close()))
    this.#admins.clear()
  }
}

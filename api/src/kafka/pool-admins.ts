import '@fjord/kafka/connection-errors'
import { KafkaPools } from '@fjord/contract/resources'
import type { KafkaPool } from '@fjord/contract/types'
import { getObject } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { Secrets } from '@fjord/kube/resources'
import { Admin, type BaseOptions, Producer } from '@platformatic/kafka'
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

/** What a Kafka client of the api needs to log in to a pool: brokers, SASL, TLS, timeouts. */
export type PoolClientOptions = Omit<BaseOptions, 'clientId'>

interface PoolClients {
  version: string
  options: PoolClientOptions
  admin: Admin
  producer?: Producer
}

/**
 * The platform's admin client of each pool, from the KafkaPool's spec and its admin Secret
 * (the contract the operator reads them by), made again when either changes: a new
 * bootstrap list, a rotated password. What the api asks of Kafka for a tenant goes through
 * it, with the platform's login and never a tenant's.
 */
export class PoolAdmins {
  readonly #kube: KubeClient
  readonly #clients = new Map<string, PoolClients>()

  constructor(kube: KubeClient) {
    this.#kube = kube
  }

  async forPool(name: string): Promise<Admin> {
    return (await this.#clientsOf(name)).admin
  }

  /**
   * The platform's login to the pool, for a client a request makes and closes itself (a
   * consumer that reads a topic keeps fetch sessions that requests must not share).
   */
  async optionsFor(name: string): Promise<PoolClientOptions> {
    return (await this.#clientsOf(name)).options
  }

  /** The platform's producer of the pool, made on first use and kept with its admin client. */
  async producerFor(name: string): Promise<Producer> {
    const clients = await this.#clientsOf(name)
    clients.producer ??= new Producer({ clientId: 'fjord-api', ...clients.options, acks: -1 })
    return clients.producer
  }

  async #clientsOf(name: string): Promise<PoolClients> {
    const { pool, secret } = await this.#read(name)
    const version = `${pool.metadata.generation}/${secret.metadata.resourceVersion}`
    const cached = this.#clients.get(name)
    if (cached?.version === version) return cached
    const ref = pool.spec.adminCredentialsSecretRef
    const field = (key: string) => {
      const value = secret.data?.[key]
      if (value === undefined) throw unavailable(name, `has no "${key}" in its admin Secret`)
      return Buffer.from(value, 'base64').toString('utf8')
    }
    const options: PoolClientOptions = {
      bootstrapBrokers: pool.spec.bootstrapServers,
      sasl: {
        // The CRD's default, for a pool that never went through the apiserver.
        mechanism: pool.spec.saslMechanism ?? 'SCRAM-SHA-256',
        username: field(ref.usernameKey ?? 'username'),
        password: field(ref.passwordKey ?? 'password'),
      },
      ...(pool.spec.securityProtocol === 'SASL_SSL' ? { tls: {} } : {}),
      ...timeouts,
    }
    const clients = { version, options, admin: new Admin({ clientId: 'fjord-api', ...options }) }
    this.#clients.set(name, clients)
    if (cached) await closeAll(cached)
    return clients
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
    await Promise.allSettled([...this.#clients.values()].map(closeAll))
    this.#clients.clear()
  }
}

async function closeAll(clients: PoolClients): Promise<void> {
  await Promise.allSettled([clients.admin.close(), clients.producer?.close()])
}

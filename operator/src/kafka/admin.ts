import '@fjord/kafka/connection-errors'
import type { AclOperation, AclResourceType } from '@fjord/contract/types'
import { kafkaErrorIds } from '@fjord/kafka/errors'
import {
  AclOperations,
  type AclOperationValue,
  AclPermissionTypes,
  Admin,
  ClientQuotaEntityTypes,
  ClientQuotaMatchTypes,
  ConfigResourceTypes,
  ConfigSources,
  Connection,
  createTopicsV7,
  deleteTopicsV6,
  describeConfigsV4,
  IncrementalAlterConfigOperationTypes,
  metadataV12,
  protocolErrorsCodesById,
  ResourcePatternTypes,
  ResourceTypes,
  type ResourceTypeValue,
  ResponseError,
} from '@platformatic/kafka'
import type { ActualTopic, DesiredTopic } from '../reconcilers/topic-plan.ts'
import type { AclBinding, QuotaKey, Quotas } from '../reconcilers/user-plan.ts'
import { KafkaAdminError } from './errors.ts'
import {
  deleteScramCredential,
  describeScramUsers,
  type ScramMechanism,
  tenantMechanism,
  upsertScramCredential,
} from './scram.ts'

export interface KafkaAccess {
  bootstrapServers: string[]
  mechanism: 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN'
  username: string
  password: string
}

const resourceTypes: Record<AclResourceType, ResourceTypeValue> = {
  topic: ResourceTypes.TOPIC,
  group: ResourceTypes.GROUP,
  transactionalId: ResourceTypes.TRANSACTIONAL_ID,
  cluster: ResourceTypes.CLUSTER,
}
const operations: Record<AclOperation, AclOperationValue> = {
  All: AclOperations.ALL,
  Read: AclOperations.READ,
  Write: AclOperations.WRITE,
  Create: AclOperations.CREATE,
  Delete: AclOperations.DELETE,
  Alter: AclOperations.ALTER,
  Describe: AclOperations.DESCRIBE,
  ClusterAction: AclOperations.CLUSTER_ACTION,
  DescribeConfigs: AclOperations.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperations.ALTER_CONFIGS,
  IdempotentWrite: AclOperations.IDEMPOTENT_WRITE,
}
const invert = <K extends string>(map: Record<K, number>) =>
  new Map<number, K>(Object.entries(map).map(([k, v]) => [v as number, k as K]))
const resourceTypeNames = invert(resourceTypes)
const operationNames = invert(operations)

function toKafkaAcl(b: AclBinding) {
  return {
    resourceType: resourceTypes[b.resourceType],
    resourceName: b.resourceName,
    resourcePatternType:
      b.patternType === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: b.principal,
    host: b.host,
    operation: operations[b.operation],
    permissionType: b.permission === 'deny' ? AclPermissionTypes.DENY : AclPermissionTypes.ALLOW,
  } as const
}

/** What a topic holds now, for metering. */
export interface TopicUsage {
  partitions: number
  /** The sum of the partitions' end offsets: every message ever written to the topic. */
  endOffsets: bigint
  storageBytes: bigint
}

// ListOffsets' timestamp for the end of a partition (its high watermark).
const latestOffset = -1n

/** Outcome of one topic in a batched CreateTopics. */
export type CreateResult = { ok: true; topicId: string } | { ok: false; error: KafkaAdminError }

/** Outcome of one topic id in a batched DeleteTopics: gone (also when it was already), or not. */
export type DeleteResult = { ok: true } | { ok: false; error: KafkaAdminError }

/** Outcome of one topic in a batched describe: the topic, or undefined when it does not exist. */
export type DescribeResult =
  | { ok: true; topic: ActualTopic | undefined }
  | { ok: false; error: KafkaAdminError }

/**
 * The answer a request's errors came with: the protocol client throws a ResponseError for
 * any error code in it, also the ones of single topics, which each topic reports on its own.
 */
function answerOf<T>(error: unknown): T {
  if (error instanceof ResponseError) return (error as ResponseError & { response: T }).response
  throw error
}

/**
 * Everything the operator asks of one Kafka cluster, through its admin user. Each method
 * turns client failures into KafkaAdminError with the broker's error id.
 */
export class KafkaAdmin {
  readonly #access: KafkaAccess
  readonly #admin: Admin
  #connection: Promise<Connection> | undefined

  constructor(access: KafkaAccess, clientId = 'fjord-operator') {
    this.#access = access
    this.#admin = new Admin({
      clientId,
      bootstrapBrokers: access.bootstrapServers,
      sasl: { mechanism: access.mechanism, username: access.username, password: access.password },
      connectTimeout: 5000,
      requestTimeout: 30_000,
      retries: 1,
    })
  }

  /** A new connection to one broker, logged in as the admin; closed again when it fails. */
  async #connect(host: string, port: number): Promise<Connection> {
    const { username, password, mechanism } = this.#access
    const connection = new Connection('fjord-operator', {
      sasl: { mechanism, username, password },
      connectTimeout: 5000,
    })
    try {
      await connection.connect(host, port)
      return connection
    } catch (error) {
      await connection.close().catch(() => undefined)
      throw error
    }
  }

  /** A connection of our own for the protocol APIs the Admin client has no method for. */
  async #raw(): Promise<Connection> {
    const existing = await this.#connection?.catch(() => undefined)
    if (existing?.isConnected()) return existing
    this.#connection = (async () => {
      let last: unknown
      for (const server of this.#access.bootstrapServers) {
        const [host = '', port = ''] = server.split(/:(?=\d+$)/)
        try {
          return await this.#connect(host, Number(port))
        } catch (error) {
          last = error
        }
      }
      throw last
    })()
    return this.#connection
  }

  async #call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw new KafkaAdminError(action, error)
    }
  }

  /** One CreateTopics request for many topics; each gets its own result. */
  async createTopics(topics: DesiredTopic[]): Promise<Map<string, CreateResult>> {
    const request = topics.map((t) => ({
      name: t.name,
      numPartitions: t.partitions,
      replicationFactor: t.replicationFactor,
      assignments: [],
      configs: Object.entries(t.config).map(([name, value]) => ({ name, value })),
    }))
    type Response = createTopicsV7.CreateTopicsResponse
    let response: Response
    try {
      response = await createTopicsV7.api.async(await this.#raw(), request, 30_000, false)
    } catch (error) {
      if (!(error instanceof ResponseError)) {
        const failure = new KafkaAdminError('create topics', error)
        return new Map(topics.map((t) => [t.name, { ok: false, error: failure }]))
      }
      response = (error as ResponseError & { response: Response }).response
    }
    return new Map(
      response.topics.map((t) => [
        t.name,
        t.errorCode === 0
          ? { ok: true, topicId: t.topicId }
          : {
              ok: false,
              error: new KafkaAdminError(`create topic ${t.name}`, {
                apiId: protocolErrorsCodesById[t.errorCode] ?? `KAFKA_ERROR_${t.errorCode}`,
                message: t.errorMessage,
              }),
            },
      ]),
    )
  }

  /**
   * The topics as Kafka has them, each undefined when it does not exist: one DescribeConfigs
   * and one Metadata request for all of them, sent together on our own connection. The
   * client's metadata call would retry an unknown topic (a second's delay per new topic)
   * before giving up; the broker answers one at once.
   */
  async describeTopics(names: string[]): Promise<Map<string, DescribeResult>> {
    type Configs = describeConfigsV4.DescribeConfigsResponse
    type Metadata = metadataV12.MetadataResponse
    let configs: Configs
    let metadata: Metadata
    try {
      const connection = await this.#raw()
      ;[configs, metadata] = await Promise.all([
        describeConfigsV4.api
          .async(
            connection,
            names.map((name) => ({
              resourceType: ConfigResourceTypes.TOPIC,
              resourceName: name,
              configurationKeys: null,
            })),
            false,
            false,
          )
          .catch((error: unknown) => answerOf<Configs>(error)),
        metadataV12.api
          .async(connection, names, false, false)
          .catch((error: unknown) => answerOf<Metadata>(error)),
      ])
    } catch (error) {
      const failure = new KafkaAdminError('describe topics', error)
      return new Map(names.map((name) => [name, { ok: false, error: failure }]))
    }
    const configsOf = new Map(configs.results.map((r) => [r.resourceName, r]))
    const topicsOf = new Map(metadata.topics.map((t) => [t.name, t]))
    const describe = (name: string): DescribeResult => {
      const description = configsOf.get(name)
      const topic = topicsOf.get(name)
      const failures = [description, topic].flatMap((answer) =>
        answer?.errorCode
          ? [protocolErrorsCodesById[answer.errorCode] ?? `KAFKA_ERROR_${answer.errorCode}`]
          : [],
      )
      // A topic made or deleted between the two answers shows in one only: it is not there yet.
      if (failures.includes('UNKNOWN_TOPIC_OR_PARTITION')) return { ok: true, topic: undefined }
      const [failure] = failures
      if (failure !== undefined || !description || !topic) {
        const cause = failure
          ? { apiId: failure, message: description?.errorMessage }
          : new Error('the broker did not answer for it')
        return { ok: false, error: new KafkaAdminError(`describe topic ${name}`, cause) }
      }
      return {
        ok: true,
        topic: {
          name,
          topicId: topic.topicId,
          partitions: topic.partitions.length,
          replicationFactor: topic.partitions[0]?.replicaNodes.length ?? 0,
          config: description.configs.map((c) => ({
            name: c.name,
            value: c.value ?? null,
            dynamic: c.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG,
          })),
        },
      }
    }
    return new Map(names.map((name) => [name, describe(name)]))
  }

  /** The topic as Kafka has it, or undefined when it does not exist. */
  async describeTopic(name: string): Promise<ActualTopic | undefined> {
    const result = (await this.describeTopics([name])).get(name)
    if (!result?.ok) throw result?.error
    return result.topic
  }

  async alterTopicConfig(
    name: string,
    set: Record<string, string>,
    reset: string[],
  ): Promise<void> {
    const configs = [
      ...Object.entries(set).map(([key, value]) => ({
        name: key,
        configOperation: IncrementalAlterConfigOperationTypes.SET,
        value,
      })),
      ...reset.map((key) => ({
        name: key,
        configOperation: IncrementalAlterConfigOperationTypes.DELETE,
      })),
    ]
    if (configs.length === 0) return
    await this.#call(`alter configs of ${name}`, () =>
      this.#admin.incrementalAlterConfigs({
        resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name, configs }],
      }),
    )
  }

  async createPartitions(name: string, count: number): Promise<void> {
    await this.#call(`add partitions to ${name}`, () =>
      this.#admin.createPartitions({ topics: [{ name, count }] }),
    )
  }

  /** Deletes a topic; one that is already gone is not an error. */
  async deleteTopic(name: string): Promise<void> {
    try {
      await this.#admin.deleteTopics({ topics: [name] })
    } catch (error) {
      if (kafkaErrorIds(error).includes('UNKNOWN_TOPIC_OR_PARTITION')) return
      throw new KafkaAdminError(`delete topic ${name}`, error)
    }
  }

  /**
   * Deletes the topics with these ids in one DeleteTopics (v6), never a namesake made since;
   * one that is already gone counts as deleted. An id the broker left out of its answer is
   * absent from the map.
   */
  async deleteTopicsById(topicIds: string[]): Promise<Map<string, DeleteResult>> {
    type Response = deleteTopicsV6.DeleteTopicsResponse
    let response: Response
    try {
      response = await deleteTopicsV6.api
        .async(
          await this.#raw(),
          topicIds.map((topicId) => ({ topicId })),
          30_000,
        )
        .catch((error: unknown) => answerOf<Response>(error))
    } catch (error) {
      const failure = new KafkaAdminError('delete topics', error)
      return new Map(topicIds.map((topicId) => [topicId, { ok: false, error: failure }]))
    }
    const answers = new Map(response.responses.map((r) => [r.topicId.toLowerCase(), r]))
    const results = new Map<string, DeleteResult>()
    for (const topicId of topicIds) {
      const answer = answers.get(topicId.toLowerCase())
      if (!answer) continue
      const id =
        answer.errorCode === 0
          ? undefined
          : (protocolErrorsCodesById[answer.errorCode] ?? `KAFKA_ERROR_${answer.errorCode}`)
      const gone =
        id === undefined || id === 'UNKNOWN_TOPIC_ID' || id === 'UNKNOWN_TOPIC_OR_PARTITION'
      results.set(
        topicId,
        gone
          ? { ok: true }
          : {
              ok: false,
              error: new KafkaAdminError(`delete topic with id ${topicId}`, {
                apiId: id,
                message: answer.errorMessage,
              }),
            },
      )
    }
    return results
  }

  async listTopics(): Promise<string[]> {
    return this.#call('list topics', () => this.#admin.listTopics({ includeInternals: false }))
  }

  /**
   * Partitions, summed end offsets and bytes on the brokers' disks of each named topic that
   * exists (absent from the answer otherwise). Bytes count every replica in every log dir,
   * except a future replica being moved between dirs. Three requests per `chunk` topics.
   */
  async topicUsage(names: string[], chunk = 500): Promise<Map<string, TopicUsage>> {
    const wanted = new Set(names)
    const existing =
      names.length === 0 ? [] : (await this.listTopics()).filter((n) => wanted.has(n))
    const usage = new Map<string, TopicUsage>()
    for (let start = 0; start < existing.length; start += chunk) {
      const topics = existing.slice(start, start + chunk)
      const metadata = await this.#call('describe topics', () =>
        this.#admin.metadata({ topics, forceUpdate: true }),
      )
      const partitions = (name: string) =>
        Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, i) => i)
      const [offsets, logDirs] = await Promise.all([
        this.#call('list end offsets', () =>
          this.#admin.listOffsets({
            topics: topics.map((name) => ({
              name,
              partitions: partitions(name).map((partitionIndex) => ({
                partitionIndex,
                timestamp: latestOffset,
              })),
            })),
          }),
        ),
        this.#call('describe log dirs', () =>
          this.#admin.describeLogDirs({
            topics: topics.map((name) => ({ name, partitions: partitions(name) })),
          }),
        ),
      ])
      for (const name of topics) {
        usage.set(name, { partitions: partitions(name).length, endOffsets: 0n, storageBytes: 0n })
      }
      for (const topic of offsets) {
        const entry = usage.get(topic.name)
        if (entry) for (const p of topic.partitions) entry.endOffsets += p.offset
      }
      for (const { results } of logDirs) {
        for (const topic of results.flatMap((dir) => dir.topics)) {
          const entry = usage.get(topic.name)
          for (const p of topic.partitions) {
            if (entry && !p.isFutureKey) entry.storageBytes += p.partitionSize
          }
        }
      }
    }
    return usage
  }

  /** Calls `listener` whenever the client's connection to a broker closes (a restart, say). */
  onBrokerDisconnect(listener: () => void): void {
    this.#admin.on('client:broker:disconnect', listener)
  }

  /** Sets a tenant's login: its credential of the tenants' mechanism (SCRAM-SHA-512). */
  async upsertScram(username: string, password: string): Promise<void> {
    await this.#call(`set the SCRAM credential of ${username}`, async () =>
      upsertScramCredential(await this.#raw(), tenantMechanism, username, password),
    )
  }

  async deleteScram(username: string): Promise<void> {
    await this.#call(`delete the SCRAM credential of ${username}`, async () =>
      deleteScramCredential(await this.#raw(), tenantMechanism, username),
    )
  }

  /**
   * The users each broker holds a `mechanism` credential for, by broker id, each broker asked
   * on a connection of its own: every broker builds its credential cache from its own
   * metadata image, so one broker's restart can lose logins the others still have. A broker
   * that does not answer is left out of the map and named in `unreachable`.
   */
  async scramUsersByBroker(
    mechanism: ScramMechanism = tenantMechanism,
  ): Promise<{ users: Map<number, Set<string>>; unreachable: number[] }> {
    const { brokers } = await this.#call('describe the cluster', () =>
      this.#admin.metadata({ topics: [], forceUpdate: true }),
    )
    const answers = await Promise.allSettled(
      [...brokers].map(async ([id, { host, port }]) => {
        const connection = await this.#connect(host, port)
        try {
          return [id, await describeScramUsers(connection, mechanism)] as const
        } finally {
          await connection.close().catch(() => undefined)
        }
      }),
    )
    const users = new Map<number, Set<string>>()
    for (const answer of answers) if (answer.status === 'fulfilled') users.set(...answer.value)
    return { users, unreachable: [...brokers.keys()].filter((id) => !users.has(id)) }
  }

  /** Every ACL whose principal is `principal`. */
  async aclsOf(principal: string): Promise<AclBinding[]> {
    const resources = await this.#call(`describe ACLs of ${principal}`, () =>
      this.#admin.describeAcls({
        filter: {
          resourceType: ResourceTypes.ANY,
          resourceName: null,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal,
          host: null,
          operation: AclOperations.ANY,
          permissionType: AclPermissionTypes.ANY,
        },
      }),
    )
    return resources.flatMap((r) =>
      r.acls.map((acl) => ({
        resourceType: resourceTypeNames.get(r.resourceType) ?? 'topic',
        resourceName: r.resourceName,
        patternType:
          r.resourcePatternType === ResourcePatternTypes.PREFIXED
            ? ('prefixed' as const)
            : ('literal' as const),
        principal: acl.principal,
        host: acl.host,
        operation: operationNames.get(acl.operation) ?? 'All',
        permission:
          acl.permissionType === AclPermissionTypes.DENY ? ('deny' as const) : ('allow' as const),
      })),
    )
  }

  async createAcls(bindings: AclBinding[]): Promise<void> {
    if (bindings.length === 0) return
    await this.#call('create ACLs', () =>
      this.#admin.createAcls({ creations: bindings.map(toKafkaAcl) }),
    )
  }

  async deleteAcls(bindings: AclBinding[]): Promise<void> {
    if (bindings.length === 0) return
    await this.#call('delete ACLs', () =>
      this.#admin.deleteAcls({ filters: bindings.map(toKafkaAcl) }),
    )
  }

  async quotasOf(username: string): Promise<Quotas> {
    const entries = await this.#call(`describe quotas of ${username}`, () =>
      this.#admin.describeClientQuotas({
        components: [
          {
            entityType: ClientQuotaEntityTypes.USER,
            matchType: ClientQuotaMatchTypes.EXACT,
            match: username,
          },
        ],
        strict: true,
      }),
    )
    const quotas: Quotas = {}
    for (const entry of entries) for (const v of entry.values) quotas[v.key as QuotaKey] = v.value
    return quotas
  }

  async alterQuotas(username: string, set: Quotas, remove: QuotaKey[]): Promise<void> {
    const ops = [
      ...Object.entries(set).map(([key, value]) => ({
        key: key as QuotaKey,
        value: value as number,
        remove: false as const,
      })),
      ...remove.map((key) => ({ key, remove: true as const })),
    ]
    if (ops.length === 0) return
    await this.#call(`alter quotas of ${username}`, () =>
      this.#admin.alterClientQuotas({
        entries: [
          { entities: [{ entityType: ClientQuotaEntityTypes.USER, entityName: username }], ops },
        ],
      }),
    )
  }

  async close(): Promise<void> {
    const connection = await this.#connection?.catch(() => undefined)
    await Promise.allSettled([this.#admin.close(), connection?.close()])
  }
}

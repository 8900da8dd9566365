import '@fjord/kafka/connection-errors'
import { kafkaErrorIds } from '@fjord/kafka/errors'
import { CliError } from '../errors.ts'
import type { KafkaLogin } from './login.ts'

export type Kafka = typeof import('@platformatic/kafka')

/**
 * The Kafka client, loaded only by the commands that talk to Kafka: importing it takes about
 * half a second, which every other command (and `fjord --version`) must not pay.
 */
export const loadKafka = (): Promise<Kafka> => import('@platformatic/kafka')

/** How long a fetch waits on the broker for new records: also how soon Ctrl-C takes. */
export const fetchWaitMs = 1000

/** The options every fjord Kafka client starts from: the service account's login. */
export function clientOptions(login: KafkaLogin) {
  const { username, password, saslMechanism, securityProtocol } = login.credential
  return {
    clientId: 'fjord-cli',
    bootstrapBrokers: login.bootstrapServers,
    sasl: { mechanism: saslMechanism, username, password },
    ...(securityProtocol === 'SASL_SSL' ? { tls: {}, tlsServerName: true } : {}),
    connectTimeout: 10_000,
    retries: 2,
  }
}

/** What a command was doing when Kafka failed it, to say so in the user's names. */
export interface KafkaAction {
  login: KafkaLogin
  verb: 'write to' | 'read'
  /** Short names. */
  topics: string[]
  group?: string
}

/** A failure of the Kafka client as one line, with the fix when fjord knows it. */
export function kafkaFailure(error: unknown, action: KafkaAction): CliError {
  const { login, verb, topics, group } = action
  const account = login.serviceAccount
  const named = topics.join(', ')
  const ids = kafkaErrorIds(error)
  const fail = (message: string, suggestion?: string) =>
    new CliError(`${message} (${ids[0]})`, { suggestion })
  const operation = verb === 'write to' ? 'write' : 'read'
  // An idempotent producer starts with InitProducerId, which Kafka refuses so (needing the
  // cluster's IdempotentWrite) to a principal that may write to no topic at all.
  const writeRefused = verb === 'write to' && ids.includes('CLUSTER_AUTHORIZATION_FAILED')
  if (ids.includes('TOPIC_AUTHORIZATION_FAILED') || writeRefused) {
    return fail(
      `the service account ${account} may not ${verb} ${named}`,
      `add an ACL: \`fjord service-accounts acl add ${account} --topic ${topics[0]} --operation ${operation}\``,
    )
  }
  if (ids.includes('GROUP_AUTHORIZATION_FAILED')) {
    return fail(
      `the service account ${account} may not use the group ${group}`,
      `add an ACL: \`fjord service-accounts acl add ${account} --group ${group} --operation read\``,
    )
  }
  const unknown = unknownTopic(error)
  if (unknown !== undefined || ids.includes('UNKNOWN_TOPIC_OR_PARTITION')) {
    const topic = unknown === undefined ? named : login.names.toShort(unknown)
    return new CliError(`no topic ${topic} in cluster ${login.cluster}`, {
      suggestion: `see \`fjord topics list\`, or create it: \`fjord topics create ${topic}\``,
    })
  }
  if (ids.includes('MESSAGE_TOO_LARGE') || ids.includes('RECORD_LIST_TOO_LARGE')) {
    return fail(
      `a record is larger than ${named} takes`,
      'its limit is the topic config max.message.bytes',
    )
  }
  if (ids.includes('SASL_AUTHENTICATION_FAILED') || isAuthenticationError(error)) {
    return new CliError(`Kafka refused the login of service account ${account}`, {
      suggestion: `its credential may have been replaced or revoked: \`fjord service-accounts credentials create ${account}\``,
    })
  }
  if (ids.length > 0) return fail(`Kafka refused to let ${account} ${verb} ${named}`)
  const reason = innermostMessage(error)
  return new CliError(`could not reach Kafka at ${login.bootstrapServers.join(',')}: ${reason}`, {
    suggestion: `check that cluster ${login.cluster} is Ready: \`fjord clusters get ${login.cluster}\``,
  })
}

/** The topic the client found no metadata for: it says so only in the message of a UserError. */
function unknownTopic(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error) || error.code !== 'PLT_KFK_USER') return
  return /^Unknown topic (.+)\.$/.exec(error.message)?.[1]
}

function isAuthenticationError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  if ('code' in error && error.code === 'PLT_KFK_AUTHENTICATION') return true
  const nested = [
    ...('errors' in error && Array.isArray(error.errors) ? error.errors : []),
    ...('cause' in error ? [error.cause] : []),
  ]
  return nested.some(isAuthenticationError)
}

/** The message of the deepest cause: the client's own wrappers say only "failed N times". */
function innermostMessage(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error)
  const inner =
    ('errors' in error && Array.isArray(error.errors) ? error.errors.at(-1) : undefined) ??
    ('cause' in error ? error.cause : undefined)
  if (inner) return innermostMessage(inner)
  return error instanceof Error ? error.message : String(error)
}

import { pbkdf2, randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import {
  alterUserScramCredentialsV0,
  type Connection,
  describeUserScramCredentialsV0,
  ResponseError,
  ScramMechanisms,
} from '@platformatic/kafka'

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

/**
 * KAFKA-20774: a broker that starts from a metadata log (no snapshot) holding a SCRAM
 * credential removal can lose every credential of that removal's mechanism. So the logins
 * Fjord deletes (tenants', KafkaUsers) and the platform's own (pool admins, inter-broker)
 * never share a mechanism: a mechanism that never sees a removal cannot be dropped.
 */
export const tenantMechanism: ScramMechanism = 'SCRAM-SHA-512'
export const platformMechanism: ScramMechanism = 'SCRAM-SHA-256'

/** Kafka refuses fewer than 4096 iterations for either mechanism. */
const iterations = 8192
/** RESOURCE_NOT_FOUND: a credential that does not exist. */
const resourceNotFound = 91

const hashes = {
  'SCRAM-SHA-256': { id: ScramMechanisms.SCRAM_SHA_256, digest: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { id: ScramMechanisms.SCRAM_SHA_512, digest: 'sha512', bytes: 64 },
} as const

const pbkdf2Async = promisify(pbkdf2)

type Deletion = alterUserScramCredentialsV0.AlterUserScramCredentialsRequestDeletions
type Upsertion = alterUserScramCredentialsV0.AlterUserScramCredentialsRequestUpsertions
type AlterResponse = alterUserScramCredentialsV0.AlterUserScramCredentialsResponse
type DescribeResponse = describeUserScramCredentialsV0.DescribeUserScramCredentialsResponse

async function alterScramCredentials(
  connection: Connection,
  deletions: Deletion[],
  upsertions: Upsertion[],
  tolerated: number[] = [],
): Promise<void> {
  try {
    await alterUserScramCredentialsV0.api.async(connection, deletions, upsertions)
  } catch (error) {
    if (!(error instanceof ResponseError)) throw error
    const { results } = (error as ResponseError & { response: AlterResponse }).response
    const failed = results.find((r) => r.errorCode !== 0 && !tolerated.includes(r.errorCode))
    if (failed) {
      throw new Error(
        `altering the SCRAM credential of ${failed.user} failed: Kafka error ${failed.errorCode} ${failed.errorMessage ?? ''}`.trim(),
      )
    }
  }
}

/**
 * Creates or replaces the `mechanism` credential of `user`. The broker never sees the
 * password: the client sends a random salt and Hi(password, salt, i) = PBKDF2-HMAC. The
 * hashing runs on libuv's thread pool, not on the event loop.
 */
export async function upsertScramCredential(
  connection: Connection,
  mechanism: ScramMechanism,
  user: string,
  password: string,
): Promise<void> {
  const { id, digest, bytes } = hashes[mechanism]
  const salt = randomBytes(32)
  const saltedPassword = await pbkdf2Async(password, salt, iterations, bytes, digest)
  await alterScramCredentials(
    connection,
    [],
    [{ name: user, mechanism: id, iterations, salt, saltedPassword }],
  )
}

/** Deletes the `mechanism` credential of `user`; one that does not exist is not an error. */
export async function deleteScramCredential(
  connection: Connection,
  mechanism: ScramMechanism,
  user: string,
): Promise<void> {
  await alterScramCredentials(
    connection,
    [{ name: user, mechanism: hashes[mechanism].id }],
    [],
    [resourceNotFound],
  )
}

/**
 * The users the broker at the other end of `connection` holds a `mechanism` credential for,
 * as its own metadata image has them (the image its logins are checked against).
 */
export async function describeScramUsers(
  connection: Connection,
  mechanism: ScramMechanism,
): Promise<Set<string>> {
  let response: DescribeResponse
  try {
    response = await describeUserScramCredentialsV0.api.async(connection, null)
  } catch (error) {
    if (!(error instanceof ResponseError)) throw error
    response = (error as ResponseError & { response: DescribeResponse }).response
    if (response.errorCode !== 0) {
      throw new Error(
        `describing SCRAM credentials failed: Kafka error ${response.errorCode} ${response.errorMessage ?? ''}`.trim(),
      )
    }
  }
  const { id } = hashes[mechanism]
  return new Set(
    response.results
      .filter((r) => r.errorCode === 0 && r.credentialInfos.some((c) => c.mechanism === id))
      .map((r) => r.user),
  )
}

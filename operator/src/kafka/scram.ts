import { pbkdf2Sync, randomBytes } from 'node:crypto'
import {
  alterUserScramCredentialsV0,
  type Connection,
  ResponseError,
  ScramMechanisms,
} from '@platformatic/kafka'

/** Kafka refuses fewer than 4096 iterations for SCRAM-SHA-512. */
const iterations = 8192
/** RESOURCE_NOT_FOUND: deleting a credential that is already gone. */
const resourceNotFound = 91

type Deletion = alterUserScramCredentialsV0.AlterUserScramCredentialsRequestDeletions
type Upsertion = alterUserScramCredentialsV0.AlterUserScramCredentialsRequestUpsertions
type Response = alterUserScramCredentialsV0.AlterUserScramCredentialsResponse

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
    const { results } = (error as ResponseError & { response: Response }).response
    const failed = results.find((r) => r.errorCode !== 0 && !tolerated.includes(r.errorCode))
    if (failed) {
      throw new Error(
        `altering the SCRAM credential of ${failed.user} failed: Kafka error ${failed.errorCode} ${failed.errorMessage ?? ''}`.trim(),
      )
    }
  }
}

/**
 * Creates or replaces the SCRAM-SHA-512 credential of `user`. The broker never sees the
 * password: the client sends a random salt and Hi(password, salt, i) = PBKDF2-HMAC-SHA-512.
 */
export async function upsertScramSha512(
  connection: Connection,
  user: string,
  password: string,
): Promise<void> {
  const salt = randomBytes(32)
  const saltedPassword = pbkdf2Sync(password, salt, iterations, 64, 'sha512')
  await alterScramCredentials(
    connection,
    [],
    [{ name: user, mechanism: ScramMechanisms.SCRAM_SHA_512, iterations, salt, saltedPassword }],
  )
}

/** Deletes the SCRAM-SHA-512 credential of `user`; one that does not exist is not an error. */
export async function deleteScramSha512(connection: Connection, user: string): Promise<void> {
  await alterScramCredentials(
    connection,
    [{ name: user, mechanism: ScramMechanisms.SCRAM_SHA_512 }],
    [],
    [resourceNotFound],
  )
}

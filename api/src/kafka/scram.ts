import { pbkdf2Sync, randomBytes } from 'node:crypto'

export const scramMechanism = 'SCRAM-SHA-512'
const iterations = 4096

export interface SaltedScramCredential {
  mechanism: typeof scramMechanism
  iterations: number
  salt: string
  saltedPassword: string
}

/**
 * What Kafka's AlterUserScramCredentials takes: the broker never needs the password itself,
 * so only this salted form travels to the provisioner.
 */
export function saltScramPassword(password: string): SaltedScramCredential {
  const salt = randomBytes(16)
  const saltedPassword = pbkdf2Sync(password, salt, iterations, 64, 'sha512')
  return {
    mechanism: scramMechanism,
    iterations,
    salt: salt.toString('base64'),
    saltedPassword: saltedPassword.toString('base64'),
  }
}

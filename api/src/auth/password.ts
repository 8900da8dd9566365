import { hash, verify } from '@node-rs/argon2'

// OWASP's argon2id minimum; @node-rs/argon2 defaults to argon2id.
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 }

export function hashPassword(password: string): Promise<string> {
  return hash(password, options)
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password)
}

// Verifying against this when the email is unknown keeps login time independent of it.
const decoyHash = hash('fjord-decoy-password', options)

export async function verifyAgainstDecoy(password: string): Promise<false> {
  await verify(await decoyHash, password)
  return false
}

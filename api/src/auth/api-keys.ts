import { eq, sql } from 'drizzle-orm'
import { type Executor, preparedQuery } from '../db/client.ts'
import { apiKeys } from '../db/schema/index.ts'
import type { ApiKeyPrincipal } from '../http/context.ts'
import type { AccessCache } from './access-cache.ts'
import type { Role } from './roles.ts'
import { randomToken, sha256Hex } from './tokens.ts'

const tokenPrefix = 'fjord_'
const shownPrefixLength = tokenPrefix.length + 8
// Writing last-used on every request would turn each read into a write.
const lastUsedResolutionMs = 60_000

export interface MintedApiKey {
  token: string
  prefix: string
  secretHash: string
}

/** A new key: high-entropy, so a fast hash is enough and lookups stay O(1). */
export function mintApiKey(): MintedApiKey {
  const token = `${tokenPrefix}${randomToken(32)}`
  return { token, prefix: token.slice(0, shownPrefixLength), secretHash: sha256Hex(token) }
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(tokenPrefix)
}

const keyBySecretHash = preparedQuery((db) =>
  db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.secretHash, sql.placeholder('secretHash')))
    .prepare('api_key_by_secret_hash'),
)

export async function authenticateApiKey(
  db: Executor,
  access: AccessCache,
  token: string,
): Promise<ApiKeyPrincipal | null> {
  const secretHash = sha256Hex(token)
  const key = await access.get(`api-key:${secretHash}`, async () => {
    const [found] = await keyBySecretHash(db).execute({ secretHash })
    return found
  })
  if (!key) return null
  const now = Date.now()
  if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > lastUsedResolutionMs) {
    // Kept on the cached key too, so the next minute's requests do not write it again.
    key.lastUsedAt = new Date(now)
    await db.update(apiKeys).set({ lastUsedAt: key.lastUsedAt }).where(eq(apiKeys.id, key.id))
  }
  return {
    kind: 'api_key',
    keyId: key.id,
    orgId: key.orgId,
    role: key.role as Role,
    name: key.name,
    prefix: key.prefix,
  }
}

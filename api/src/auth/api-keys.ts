import { eq } from 'drizzle-orm'
import type { Executor } from '../db/client.ts'
import { apiKeys } from '../db/schema/index.ts'
import type { ApiKeyPrincipal } from '../http/context.ts'
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

export async function authenticateApiKey(
  db: Executor,
  token: string,
): Promise<ApiKeyPrincipal | null> {
  const [key] = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.secretHash, sha256Hex(token)))
  if (!key) return null
  const now = Date.now()
  if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > lastUsedResolutionMs) {
    await db
      .update(apiKeys)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(apiKeys.id, key.id))
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

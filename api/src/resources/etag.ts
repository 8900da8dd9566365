import { createHash } from 'node:crypto'
import { ApiError } from '../errors.ts'
import type { AppContext } from '../http/context.ts'

/**
 * A strong ETag over the representation, so any visible change (spec or status) changes it;
 * not the order of an object's keys, which PostgreSQL's jsonb does not keep.
 */
export function etagOf(representation: unknown): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(representation, sortedKeys))
    .digest('base64url')
  return `"${digest.slice(0, 27)}"`
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const object = value as Record<string, unknown>
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, object[key]]),
  )
}

/** Honours If-Match against the current representation; `*` matches anything that exists. */
export function assertIfMatch(c: AppContext, current: unknown | undefined): void {
  const wanted = c.req.header('if-match')
  if (wanted === undefined) return
  const tags = wanted.split(',').map((tag) => tag.trim())
  const matches = current !== undefined && (tags.includes('*') || tags.includes(etagOf(current)))
  if (!matches) {
    throw new ApiError('precondition_failed', 'The resource changed since you read it (If-Match)')
  }
}

export function setEtag(c: AppContext, representation: unknown): void {
  c.header('etag', etagOf(representation))
}

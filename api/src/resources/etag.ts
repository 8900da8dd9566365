import { createHash } from 'node:crypto'
import { ApiError } from '../errors.ts'
import type { AppContext } from '../http/context.ts'

/** A strong ETag over the representation, so any visible change (spec or status) changes it. */
export function etagOf(representation: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(representation)).digest('base64url')
  return `"${digest.slice(0, 27)}"`
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

import { isUsageWindow, type UsageWindow } from './series.ts'

// What the URL of each page may say, read apart from the pages so that they can load lazily.

/** A word of the URL or a form, trimmed; none when empty. */
export const text = (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined

export interface UsageSearch {
  window?: UsageWindow | undefined
  cluster?: string | undefined
  topic?: string | undefined
}

/** What the URL says is shown: a window, and the org, one cluster or one of its topics. */
export function usageSearch(search: Record<string, unknown>): UsageSearch {
  const cluster = text(search.cluster)
  return {
    window: isUsageWindow(search.window) ? search.window : undefined,
    cluster,
    topic: cluster ? text(search.topic) : undefined,
  }
}

export interface AuditSearch {
  action?: string | undefined
  type?: string | undefined
  /** Events a page, 50 unless told (the API takes 1 to 500). */
  limit?: number | undefined
  /** Where the page shown starts: the nextCursor of the page before it. */
  cursor?: string | undefined
  /** The cursors of the newer pages, to go back to them. */
  newer?: string[] | undefined
}

export const defaultPageSize = 50

export function auditSearch(search: Record<string, unknown>): AuditSearch {
  const cursor = text(search.cursor)
  const newer = Array.isArray(search.newer) ? search.newer.map(String) : undefined
  const limit = Number(search.limit)
  return {
    action: text(search.action),
    type: text(search.type),
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 500 ? limit : undefined,
    cursor,
    newer: cursor && newer?.length ? newer : undefined,
  }
}

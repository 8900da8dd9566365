import { getConnInfo } from '@hono/node-server/conninfo'
import type { AppContext } from './context.ts'

/** The caller's address; X-Forwarded-For only counts when a trusted proxy sits in front. */
export function clientIp(c: AppContext): string {
  if (c.get('config').behindTls) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim()
    if (forwarded) return forwarded
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    // app.request() in tests has no socket.
    return 'unknown'
  }
}

import { createHash, timingSafeEqual } from 'node:crypto'
import { createMiddleware } from 'hono/factory'
import type { Config } from '../config.ts'
import { ApiError } from '../errors.ts'
import type { AppEnv } from '../http/context.ts'

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * Admits a platform component (the operator) that sends `Authorization: Bearer <token>` with
 * the token the config holds. Digests are compared, so neither the token nor its length
 * leaks through timing. Without a configured token the route does not exist: 404.
 */
export function requireServiceToken(tokenOf: (config: Config) => string | undefined) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const expected = tokenOf(c.get('config'))
    if (expected === undefined) throw new ApiError('not_found', `No route for ${c.req.path}`)
    const [scheme, sent] = (c.req.header('authorization') ?? '').split(' ')
    if (scheme?.toLowerCase() !== 'bearer' || !sent) {
      throw new ApiError('unauthorized', 'Send the service token as Authorization: Bearer')
    }
    if (!timingSafeEqual(digest(sent), digest(expected))) {
      throw new ApiError('unauthorized', 'The service token is wrong')
    }
    return next()
  })
}

import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ApiError, type ErrorCode, toProblem } from '../errors.ts'
import type { AppEnv } from './context.ts'

const codeByHttpStatus: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
}

export function problemResponse(
  c: Context<AppEnv>,
  error: ApiError,
  headers: Record<string, string> = {},
): Response {
  const body = toProblem(error, c.req.path, c.get('requestId'))
  return c.body(JSON.stringify(body), error.status, {
    ...headers,
    'content-type': 'application/problem+json',
  })
}

/** The one place where anything thrown becomes problem+json; nothing else leaks. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof ApiError) {
    const headers: Record<string, string> =
      typeof error.extra.retryAfterSeconds === 'number'
        ? { 'retry-after': String(error.extra.retryAfterSeconds) }
        : {}
    return problemResponse(c, error, headers)
  }
  if (error instanceof HTTPException && error.status < 500) {
    const code = codeByHttpStatus[error.status] ?? 'bad_request'
    return problemResponse(c, new ApiError(code, error.message))
  }
  c.get('log').error({ err: error }, 'unhandled error')
  return problemResponse(c, new ApiError('internal', 'Something went wrong on our side'))
}

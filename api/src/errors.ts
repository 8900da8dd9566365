import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ZodError, ZodType, z } from 'zod'

/** Every problem's stable `code`: clients branch on these, so one is never renamed. */
export const errorCodes = [
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'csrf_failed',
  'not_found',
  'method_not_allowed',
  'conflict',
  'group_not_empty',
  'precondition_failed',
  'precondition_required',
  'idempotency_key_reused',
  'idempotency_in_progress',
  'payload_too_large',
  'unsupported_media_type',
  'quota_exceeded',
  'rate_limited',
  'unavailable',
  'kubernetes_refused',
  'wait_timeout',
  'internal',
] as const

export type ErrorCode = (typeof errorCodes)[number]

export interface FieldError {
  path: string
  message: string
}

const statusByCode: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  validation_failed: 422,
  unauthorized: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  group_not_empty: 409,
  precondition_failed: 412,
  precondition_required: 428,
  idempotency_key_reused: 422,
  idempotency_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  quota_exceeded: 422,
  rate_limited: 429,
  unavailable: 503,
  kubernetes_refused: 502,
  wait_timeout: 504,
  internal: 500,
}

const titleByCode: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  validation_failed: 'Validation failed',
  unauthorized: 'Authentication required',
  forbidden: 'Forbidden',
  csrf_failed: 'CSRF check failed',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  group_not_empty: 'Consumer group not empty',
  precondition_failed: 'Precondition failed',
  precondition_required: 'Precondition required',
  idempotency_key_reused: 'Idempotency key reused with another request',
  idempotency_in_progress: 'Request with this idempotency key still in progress',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  quota_exceeded: 'Quota exceeded',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
  kubernetes_refused: 'Kubernetes refused the change',
  wait_timeout: 'Accepted, but not settled in time',
  internal: 'Internal error',
}

/** A domain error with a stable code; the app turns it into problem+json in one place. */
export class ApiError extends Error {
  readonly code: ErrorCode
  readonly errors: FieldError[] | undefined
  readonly extra: Record<string, unknown>

  constructor(
    code: ErrorCode,
    detail: string,
    options: { errors?: FieldError[]; extra?: Record<string, unknown> } = {},
  ) {
    super(detail)
    this.code = code
    this.errors = options.errors
    this.extra = options.extra ?? {}
  }

  get status(): ContentfulStatusCode {
    return statusByCode[this.code]
  }
}

export interface Problem {
  type: string
  title: string
  status: number
  code: ErrorCode
  detail: string
  instance?: string
  requestId?: string
  errors?: FieldError[]
  [extension: string]: unknown
}

export function toProblem(error: ApiError, instance: string, requestId: string): Problem {
  return {
    ...error.extra,
    type: `https://fjord.dev/problems/${error.code.replaceAll('_', '-')}`,
    title: titleByCode[error.code],
    status: error.status,
    code: error.code,
    detail: error.message,
    instance,
    requestId,
    ...(error.errors ? { errors: error.errors } : {}),
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`)
export const conflict = (detail: string) => new ApiError('conflict', detail)
export const forbidden = (detail: string) => new ApiError('forbidden', detail)
export const validationFailed = (errors: FieldError[], detail = 'The request is not valid') =>
  new ApiError('validation_failed', detail, { errors })
export const invalidField = (path: string, message: string) =>
  validationFailed([{ path, message }], message)

/** True when PostgreSQL (directly or wrapped by drizzle) refused a duplicate key. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === '23505') return true
  }
  return false
}

/** Per-field errors from a zod failure; `prefix` names where the value came from. */
export function fieldErrorsOf(error: ZodError, prefix: string[] = []): FieldError[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map(String)].join('.') || '(body)',
    message: issue.message,
  }))
}

export function parseOrFail<T extends ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  throw validationFailed(fieldErrorsOf(parsed.error))
}

/**
 * What went wrong talking to the apiserver, as a stable code callers branch on instead of
 * HTTP statuses: `not_found` (gone already), `conflict` (stale resourceVersion or a failed
 * precondition: re-read and retry), `invalid` (the object breaks the schema: retrying will
 * not help), `gone` (watch resourceVersion too old: re-list), `unavailable` (network or
 * server trouble: back off and retry).
 */
export type KubeErrorCode =
  | 'not_found'
  | 'conflict'
  | 'already_exists'
  | 'invalid'
  | 'bad_request'
  | 'gone'
  | 'unauthorized'
  | 'forbidden'
  | 'too_many_requests'
  | 'unavailable'
  | 'unknown'

export class KubeError extends Error {
  readonly code: KubeErrorCode
  /** HTTP status, 0 when no response came back. */
  readonly status: number
  /** The apiserver's Status.reason, e.g. `AlreadyExists`, `FieldManagerConflict`. */
  readonly reason: string | undefined

  constructor(init: {
    code: KubeErrorCode
    status: number
    message: string
    reason?: string
    cause?: unknown
  }) {
    super(init.message, { cause: init.cause })
    this.name = 'KubeError'
    this.code = init.code
    this.status = init.status
    this.reason = init.reason
  }
}

export function kubeErrorFromResponse(
  method: string,
  path: string,
  status: number,
  text: string,
): KubeError {
  let reason: string | undefined
  let detail = text.slice(0, 2000)
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string }
    reason = parsed.reason
    detail = parsed.message ?? detail
  } catch {
    // Not a Status object (a proxy's HTML page, an empty body): keep the raw text.
  }
  return new KubeError({
    code: codeFor(status, reason),
    status,
    reason,
    message: `${method} ${path}: ${status} ${reason ?? ''} ${detail}`.replace(/\s+/g, ' ').trim(),
  })
}

export function codeFor(status: number, reason?: string): KubeErrorCode {
  if (status === 409) return reason === 'AlreadyExists' ? 'already_exists' : 'conflict'
  switch (status) {
    case 400:
      return 'bad_request'
    case 401:
      return 'unauthorized'
    case 403:
      return 'forbidden'
    case 404:
      return 'not_found'
    case 410:
      return 'gone'
    case 422:
      return 'invalid'
    case 429:
      return 'too_many_requests'
    default:
      return status >= 500 || status === 0 ? 'unavailable' : 'unknown'
  }
}

export function isKubeError(error: unknown, code?: KubeErrorCode): error is KubeError {
  return error instanceof KubeError && (code === undefined || error.code === code)
}

export const isNotFound = (error: unknown): error is KubeError => isKubeError(error, 'not_found')
export const isConflict = (error: unknown): error is KubeError => isKubeError(error, 'conflict')
export const isInvalid = (error: unknown): error is KubeError => isKubeError(error, 'invalid')
export const isAlreadyExists = (error: unknown): error is KubeError =>
  isKubeError(error, 'already_exists')

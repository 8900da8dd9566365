import { type Backoff, backoffDelay } from '@fjord/time/backoff'
import { type Clock, sleep, systemClock } from '@fjord/time/clock'

/** How fjord retries a request the API turned away for now. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number
  /** The wait when the answer says none, and the least wait when it does. */
  backoff: Backoff
  /** A longer Retry-After is not waited out: the answer is shown, so the user decides. */
  maxWaitMs: number
}

export const retryPolicy: RetryPolicy = {
  retries: 3,
  backoff: { initialMs: 1_000, maxMs: 10_000 },
  maxWaitMs: 60_000,
}

/** Methods that do no more harm when sent twice (RFC 9110 §9.2.2). */
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

/**
 * When to send `request` again after `response`, or undefined when not.
 *
 * A 429 is retried whatever the method: it says the request was refused before it was carried
 * out (the API answers it from a rate limiter, before the handler runs), so even a POST is safe
 * to send again. A 503 may come after part of the work, so only an idempotent request is sent
 * again, and only when the answer says when (Retry-After): then it is an answer of the server
 * that it is down for now, not a failure of the request. The wait is at least Retry-After.
 */
export function waitBeforeRetry(
  request: Request,
  response: Response,
  retry: number,
  now: number,
  policy: RetryPolicy = retryPolicy,
): number | undefined {
  if (retry >= policy.retries) return undefined
  const retryAfter = retryAfterMs(response.headers.get('retry-after'), now)
  const busy =
    response.status === 429 ||
    (response.status === 503 && retryAfter !== undefined && idempotent.has(request.method))
  if (!busy) return undefined
  const wait = Math.max(retryAfter ?? 0, backoffDelay(retry, policy.backoff))
  return wait <= policy.maxWaitMs ? wait : undefined
}

/** Retry-After in milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  const text = value?.trim()
  if (!text) return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // Every HTTP date names a day or a month; Date.parse alone would read '-5' as a year.
  const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export interface Retrying {
  clock?: Clock
  policy?: RetryPolicy
  /** Told before each wait, so that the user knows why fjord is quiet for a while. */
  say?: (line: string) => void
}

/** Sends `request` with `send`, and again after a wait while the API says it is busy. */
export async function sendRetrying(
  request: Request,
  send: (request: Request) => Promise<Response>,
  { clock = systemClock, policy = retryPolicy, say }: Retrying = {},
): Promise<Response> {
  for (let retry = 0; ; retry++) {
    // A body can be read once: every attempt but the last sends a copy.
    const response = await send(retry < policy.retries ? request.clone() : request)
    const wait = waitBeforeRetry(request, response, retry, clock.now(), policy)
    if (wait === undefined) return response
    await response.body?.cancel()
    const { pathname } = new URL(request.url)
    say?.(
      `the API is busy (${response.status} to ${request.method} ${pathname}): trying again in ${(wait / 1000).toFixed(1)}s (${retry + 1} of ${policy.retries})`,
    )
    await sleep(wait, clock)
  }
}

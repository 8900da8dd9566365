/** How retries space out: the first waits about `initialMs`, each next one twice as long. */
export interface Backoff {
  initialMs: number
  /** No wait is longer than this, however many retries came before. */
  maxMs: number
  /**
   * The share of each wait that is random, so that many retrying clients spread out instead
   * of coming back in step: 0 waits exactly the step, 0.5 waits half to all of it, 1 anywhere
   * up to it. Defaults to 0.5.
   */
  jitter?: number
}

/**
 * The wait before retry number `retry` (0 for the first retry): exponential, capped, with
 * jitter. One function for every retry loop in Fjord (the work queue, the informer, the
 * outbox, the usage meter, the MSK poller), so they all space out the same way.
 */
export function backoffDelay(retry: number, backoff: Backoff, random = Math.random): number {
  const { initialMs, maxMs, jitter = 0.5 } = backoff
  const share = Math.min(1, Math.max(0, jitter))
  const step = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, retry), 52))
  return Math.round(step * (1 - share * random()))
}

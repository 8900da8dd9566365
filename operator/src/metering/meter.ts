import { type Backoff, backoffDelay } from '@fjord/time/backoff'
import { sleep, systemClock } from '@fjord/time/clock'
import type { Logger } from 'pino'
import { Counter } from 'prom-client'
import type { MeteringConfig } from '../config.ts'
import type { TopicUsage } from '../kafka/admin.ts'
import { registry } from '../kube/metrics.ts'
import type { OperatorContext } from '../reconcilers/context.ts'
import {
  byPool,
  type MeteredTopic,
  meteredTopics,
  sampleTime,
  toSamples,
  type UsageSample,
} from './samples.ts'

const samplesTotal = new Counter({
  name: 'fjord_operator_usage_samples_total',
  help: 'Usage samples by what became of them: sent, rejected by the api, or dropped unsent.',
  labelNames: ['result'] as const,
  registers: [registry],
})
const meteringErrorsTotal = new Counter({
  name: 'fjord_operator_metering_errors_total',
  help: 'Failed usage reads of a pool and failed posts to the api.',
  labelNames: ['stage'] as const,
  registers: [registry],
})

export interface UsageMeterOptions extends MeteringConfig {
  /** The topics to meter now. */
  topics: () => MeteredTopic[]
  /** Reads the usage of the named topics of one pool. */
  usageOf: (pool: string, kafkaNames: string[]) => Promise<Map<string, TopicUsage>>
  log: Logger
  batchSize?: number
  /** Beyond this many unsent samples the oldest are dropped: a point is lost, never messages. */
  maxQueued?: number
  /** How a failed post is retried; by default from 1 s, doubling up to a minute. */
  backoff?: Backoff
}

// The api answers these for a batch that no retry can make acceptable.
const hopeless = new Set([400, 413, 422])

/**
 * Samples the usage of every metered topic at each interval boundary and posts the samples
 * to the api. Sampling and sending run on their own, apart from the reconcilers: a slow or
 * absent api delays nothing else. Unsent samples wait in memory (bounded) and go in order.
 */
export class UsageMeter {
  readonly kind = 'UsageMeter'
  readonly #options: UsageMeterOptions
  readonly #queue: UsageSample[] = []
  #wake: (() => void) | undefined

  constructor(options: UsageMeterOptions) {
    this.#options = options
  }

  /** Samples not sent yet, oldest first. */
  get queued(): readonly UsageSample[] {
    return this.#queue
  }

  /** Samples and sends until `signal` aborts; call once per leadership term. */
  async run(signal: AbortSignal): Promise<void> {
    const { intervalMs, log } = this.#options
    log.info({ intervalMs }, 'metering started')
    const sending = this.#sendUntilAborted(signal)
    let last = Number.NEGATIVE_INFINITY
    while (!signal.aborted) {
      // The boundary is chosen before the sleep, and never the last one again: a timer that
      // fires a little early would otherwise round down to the boundary just sampled.
      const next = Math.max(
        last + intervalMs,
        sampleTime(new Date(), intervalMs).getTime() + intervalMs,
      )
      await sleep(Math.max(0, next - Date.now()), systemClock, signal)
      if (signal.aborted) break
      last = next
      await this.sample(new Date(next))
      this.#wake?.()
    }
    this.#wake?.()
    await sending
    log.info({ unsent: this.#queue.length }, 'metering stopped')
  }

  /** Reads every metered topic's usage, queues a sample per topic for `at`, and answers them. */
  async sample(at: Date): Promise<UsageSample[]> {
    const { usageOf, log } = this.#options
    const sampled: UsageSample[] = []
    for (const [pool, topics] of byPool(this.#options.topics())) {
      try {
        const usage = await usageOf(
          pool,
          topics.map((topic) => topic.kafkaName),
        )
        sampled.push(...toSamples(topics, usage, at))
      } catch (error) {
        meteringErrorsTotal.inc({ stage: 'sample' })
        log.warn({ pool, err: error }, 'cannot read usage')
      }
    }
    this.#queue.push(...sampled)
    const excess = this.#queue.length - (this.#options.maxQueued ?? 20_000)
    if (excess > 0) {
      this.#queue.splice(0, excess)
      samplesTotal.inc({ result: 'dropped' }, excess)
      log.warn({ dropped: excess }, 'dropped the oldest unsent samples')
    }
    return sampled
  }

  /**
   * Posts the queued samples in batches, oldest first, retrying a failed batch with backoff
   * until it goes or `signal` aborts. Resending is harmless: the api knows each sample's id.
   */
  async flush(signal: AbortSignal = new AbortController().signal): Promise<void> {
    const { batchSize = 500, backoff = { initialMs: 1000, maxMs: 60_000 }, log } = this.#options
    let attempt = 0
    while (this.#queue.length > 0 && !signal.aborted) {
      const batch = this.#queue.slice(0, batchSize)
      const failure = await this.#post(batch, signal)
      if (failure === undefined || hopeless.has(failure.status ?? 0)) {
        this.#queue.splice(0, batch.length)
        samplesTotal.inc({ result: failure ? 'rejected' : 'sent' }, batch.length)
        if (failure) log.error(failure, 'the api refused a batch')
        attempt = 0
        continue
      }
      meteringErrorsTotal.inc({ stage: 'send' })
      const delayMs = backoffDelay(attempt++, backoff)
      log.warn({ ...failure, retryInMs: delayMs }, 'cannot post samples')
      await sleep(delayMs, systemClock, signal)
    }
  }

  async #post(
    samples: UsageSample[],
    signal: AbortSignal,
  ): Promise<{ status?: number; error: string } | undefined> {
    try {
      const response = await fetch(this.#options.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.#options.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ samples }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
      })
      const text = await response.text()
      return response.ok ? undefined : { status: response.status, error: text.slice(0, 300) }
    } catch (error) {
      return { error: String(error) }
    }
  }

  async #sendUntilAborted(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.flush(signal)
      if (signal.aborted) break
      // Samples queued since flush returned are sent at once, the others when sampled.
      await new Promise<void>((resolve) => {
        this.#wake = resolve
        if (this.#queue.length > 0) resolve()
      })
    }
  }
}

/** The operator's meter: topics from the informer caches, usage through each pool's admin. */
export function usageMeter(ctx: OperatorContext, config: MeteringConfig): UsageMeter {
  return new UsageMeter({
    ...config,
    log: ctx.log.child({ component: 'metering' }),
    topics: () =>
      meteredTopics(ctx.informers.topics.list(), (namespace, name) =>
        ctx.informers.clusters.get(`${namespace}/${name}`),
      ),
    usageOf: async (poolName, kafkaNames) => {
      const pool = ctx.informers.pools.get(poolName)
      if (!pool) throw new Error(`pool ${poolName} is not known`)
      return (await ctx.kafka.forPool(pool)).topicUsage(kafkaNames)
    },
  })
}

import { setTimeout as sleep } from 'node:timers/promises'
import { Counter } from 'prom-client'
import type { MeteringConfig } from '../config.ts'
import type { TopicUsage } from '../kafka/admin.ts'
import type { Logger } from '../kube/controller.ts'
import { registry } from '../kube/metrics.ts'
import type { OperatorContext } from '../reconcilers/context.ts'
import {
  byPool,
  type MeteredTopic,
  meteredTopics,
  retryDelayMs,
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
  backoff?: { baseMs: number; maxMs: number }
}

// The api answers these for a batch that no retry can make acceptable.
const hopeless = new Set([400, 413, 422])

const sleepUntilAborted = (ms: number, signal: AbortSignal) =>
  sleep(ms, undefined, { signal }).catch(() => undefined)

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
    log('info', 'metering started', { intervalMs })
    const sending = this.#sendUntilAborted(signal)
    while (!signal.aborted) {
      await sleepUntilAborted(intervalMs - (Date.now() % intervalMs), signal)
      if (signal.aborted) break
      await this.sample(sampleTime(new Date(), intervalMs))
      this.#wake?.()
    }
    this.#wake?.()
    await sending
    log('info', 'metering stopped', { unsent: this.#queue.length })
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
        log('warn', 'metering: cannot read usage', { pool, error: String(error) })
      }
    }
    this.#queue.push(...sampled)
    const excess = this.#queue.length - (this.#options.maxQueued ?? 20_000)
    if (excess > 0) {
      this.#queue.splice(0, excess)
      samplesTotal.inc({ result: 'dropped' }, excess)
      log('warn', 'metering: dropped the oldest unsent samples', { dropped: excess })
    }
    return sampled
  }

  /**
   * Posts the queued samples in batches, oldest first, retrying a failed batch with backoff
   * until it goes or `signal` aborts. Resending is harmless: the api knows each sample's id.
   */
  async flush(signal: AbortSignal = new AbortController().signal): Promise<void> {
    const { batchSize = 500, backoff = { baseMs: 1000, maxMs: 60_000 }, log } = this.#options
    let attempt = 0
    while (this.#queue.length > 0 && !signal.aborted) {
      const batch = this.#queue.slice(0, batchSize)
      const failure = await this.#post(batch, signal)
      if (failure === undefined || hopeless.has(failure.status ?? 0)) {
        this.#queue.splice(0, batch.length)
        samplesTotal.inc({ result: failure ? 'rejected' : 'sent' }, batch.length)
        if (failure) log('error', 'metering: the api refused a batch', { ...failure })
        attempt = 0
        continue
      }
      meteringErrorsTotal.inc({ stage: 'send' })
      const delayMs = retryDelayMs(attempt++, backoff)
      log('warn', 'metering: cannot post samples', { ...failure, retryInMs: delayMs })
      await sleepUntilAborted(delayMs, signal)
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
    log: ctx.log,
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

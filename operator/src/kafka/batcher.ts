import type { DesiredTopic } from '../reconcilers/topic-plan.ts'
import type { CreateResult, DeleteResult, DescribeResult, KafkaAdmin } from './admin.ts'
import { createTopicsAnswered, createTopicsSent } from './diagnostics.ts'
import { KafkaAdminError } from './errors.ts'

interface Pending<Ask, Answer> {
  ask: Ask
  resolve: (answer: Answer) => void
}

interface BatchOptions {
  /** How long the first ask waits for others to join it. */
  lingerMs?: number
  /** A batch this big is sent at once. */
  maxBatch?: number
}

/**
 * Gathers the asks that reconciles make of one Kafka cluster at about the same time, and
 * hands them to `send` together once `lingerMs` passed or `maxBatch` are waiting.
 */
class Gatherer<Ask, Answer> {
  readonly #lingerMs: number
  readonly #maxBatch: number
  readonly #send: (admin: KafkaAdmin, batch: Pending<Ask, Answer>[]) => void
  readonly #pending = new Map<KafkaAdmin, Pending<Ask, Answer>[]>()
  readonly #timers = new Map<KafkaAdmin, NodeJS.Timeout>()

  constructor(
    send: (admin: KafkaAdmin, batch: Pending<Ask, Answer>[]) => void,
    { lingerMs = 20, maxBatch = 1000 }: BatchOptions,
  ) {
    this.#send = send
    this.#lingerMs = lingerMs
    this.#maxBatch = maxBatch
  }

  ask(admin: KafkaAdmin, ask: Ask): Promise<Answer> {
    return new Promise((resolve) => {
      const queue = this.#pending.get(admin) ?? []
      queue.push({ ask, resolve })
      this.#pending.set(admin, queue)
      if (queue.length >= this.#maxBatch) this.#flush(admin)
      else if (!this.#timers.has(admin))
        this.#timers.set(
          admin,
          setTimeout(() => this.#flush(admin), this.#lingerMs),
        )
    })
  }

  #flush(admin: KafkaAdmin): void {
    clearTimeout(this.#timers.get(admin))
    this.#timers.delete(admin)
    const batch = this.#pending.get(admin) ?? []
    this.#pending.delete(admin)
    if (batch.length > 0) this.#send(admin, batch)
  }
}

const unanswered = (action: string) =>
  new KafkaAdminError(action, new Error('the broker did not answer for it'))

/**
 * Gathers the topics that reconciles want created at about the same time into one
 * CreateTopics request per Kafka cluster: a thousand new KafkaTopics cost a handful of
 * requests, not a thousand.
 */
export class TopicCreateBatcher {
  readonly #gatherer: Gatherer<DesiredTopic, CreateResult>

  constructor(options: BatchOptions = {}) {
    this.#gatherer = new Gatherer((admin, batch) => this.#send(admin, batch), options)
  }

  create(admin: KafkaAdmin, topic: DesiredTopic): Promise<CreateResult> {
    return this.#gatherer.ask(admin, topic)
  }

  #send(admin: KafkaAdmin, batch: Pending<DesiredTopic, CreateResult>[]): void {
    // One topic asked for twice in a batch would fail both: the later ones wait for the next.
    const seen = new Set<string>()
    const now: Pending<DesiredTopic, CreateResult>[] = []
    for (const p of batch) {
      if (seen.has(p.ask.name)) this.create(admin, p.ask).then(p.resolve)
      else {
        seen.add(p.ask.name)
        now.push(p)
      }
    }
    const topics = now.map((p) => p.ask)
    if (createTopicsSent.hasSubscribers)
      createTopicsSent.publish({ topics: topics.map((t) => t.name) })
    admin.createTopics(topics).then((results) => {
      if (createTopicsAnswered.hasSubscribers)
        createTopicsAnswered.publish({ topics: topics.map((t) => t.name) })
      for (const p of now) {
        p.resolve(
          results.get(p.ask.name) ?? {
            ok: false,
            error: unanswered(`create topic ${p.ask.name}`),
          },
        )
      }
    })
  }
}

/**
 * Gathers asks by key (a topic's name, a topic's id) into one request per Kafka cluster. A key
 * asked twice is sent once and both asks get its answer; a key the broker left out of its
 * answer is answered with an error.
 */
class KeyedBatcher<Answer> {
  readonly #gatherer: Gatherer<string, Answer | { ok: false; error: KafkaAdminError }>

  constructor(
    request: (admin: KafkaAdmin, keys: string[]) => Promise<Map<string, Answer>>,
    action: (key: string) => string,
    options: BatchOptions,
  ) {
    this.#gatherer = new Gatherer((admin, batch) => {
      request(admin, [...new Set(batch.map((p) => p.ask))]).then(
        (results) => {
          for (const p of batch)
            p.resolve(results.get(p.ask) ?? { ok: false, error: unanswered(action(p.ask)) })
        },
        // The adapters answer failures per key; a request that threw anyway fails every ask
        // of it rather than leaving their passes waiting for good.
        (error: unknown) => {
          for (const p of batch)
            p.resolve({ ok: false, error: new KafkaAdminError(action(p.ask), error) })
        },
      )
    }, options)
  }

  ask(admin: KafkaAdmin, key: string) {
    return this.#gatherer.ask(admin, key)
  }
}

/**
 * Gathers the topics that reconciles want described at about the same time into one describe
 * (a DescribeConfigs and a Metadata request) per Kafka cluster, so that the periodic resync of
 * ten thousand KafkaTopics costs requests by the hundred topics, not one per topic.
 */
export class TopicDescribeBatcher {
  readonly #batcher: KeyedBatcher<DescribeResult>

  constructor(options: BatchOptions = {}) {
    this.#batcher = new KeyedBatcher(
      (admin, names) => admin.describeTopics(names),
      (name) => `describe topic ${name}`,
      options,
    )
  }

  describe(admin: KafkaAdmin, name: string): Promise<DescribeResult> {
    return this.#batcher.ask(admin, name)
  }
}

/**
 * Gathers the topics that reconciles want deleted at about the same time, by id, into one
 * DeleteTopics per Kafka cluster: removing a thousand KafkaTopics costs a handful of requests.
 */
export class TopicDeleteBatcher {
  readonly #batcher: KeyedBatcher<DeleteResult>

  constructor(options: BatchOptions = {}) {
    this.#batcher = new KeyedBatcher(
      (admin, topicIds) => admin.deleteTopicsById(topicIds),
      (topicId) => `delete topic with id ${topicId}`,
      options,
    )
  }

  delete(admin: KafkaAdmin, topicId: string): Promise<DeleteResult> {
    return this.#batcher.ask(admin, topicId)
  }
}

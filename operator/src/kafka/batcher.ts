import type { DesiredTopic } from '../reconcilers/topic-plan.ts'
import type { CreateResult, KafkaAdmin } from './admin.ts'
import { createTopicsAnswered, createTopicsSent } from './diagnostics.ts'
import { KafkaAdminError } from './errors.ts'

interface Pending {
  topic: DesiredTopic
  resolve: (result: CreateResult) => void
}

/**
 * Gathers the topics that reconciles want created at about the same time into one
 * CreateTopics request per Kafka cluster: a thousand new KafkaTopics cost a handful of
 * requests, not a thousand.
 */
export class TopicCreateBatcher {
  readonly #lingerMs: number
  readonly #maxBatch: number
  readonly #pending = new Map<KafkaAdmin, Pending[]>()
  readonly #timers = new Map<KafkaAdmin, NodeJS.Timeout>()

  constructor({ lingerMs = 20, maxBatch = 1000 }: { lingerMs?: number; maxBatch?: number } = {}) {
    this.#lingerMs = lingerMs
    this.#maxBatch = maxBatch
  }

  create(admin: KafkaAdmin, topic: DesiredTopic): Promise<CreateResult> {
    return new Promise((resolve) => {
      const queue = this.#pending.get(admin) ?? []
      queue.push({ topic, resolve })
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
    if (batch.length === 0) return
    // One topic asked for twice in a batch would fail both: the later ones wait for the next.
    const seen = new Set<string>()
    const now: Pending[] = []
    for (const p of batch) {
      if (seen.has(p.topic.name)) this.create(admin, p.topic).then(p.resolve)
      else {
        seen.add(p.topic.name)
        now.push(p)
      }
    }
    const topics = now.map((p) => p.topic)
    if (createTopicsSent.hasSubscribers)
      createTopicsSent.publish({ topics: topics.map((t) => t.name) })
    admin.createTopics(topics).then((results) => {
      if (createTopicsAnswered.hasSubscribers)
        createTopicsAnswered.publish({ topics: topics.map((t) => t.name) })
      for (const p of now) {
        p.resolve(
          results.get(p.topic.name) ?? {
            ok: false,
            error: new KafkaAdminError(
              `create topic ${p.topic.name}`,
              new Error('the broker did not answer for it'),
            ),
          },
        )
      }
    })
  }
}

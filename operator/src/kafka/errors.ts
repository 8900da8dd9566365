import { kafkaErrorIds } from '@fjord/kafka/errors'

/** A failed Kafka admin call, with the broker's error id when it gave one. */
export class KafkaAdminError extends Error {
  readonly id: string

  constructor(action: string, cause: unknown) {
    const ids = kafkaErrorIds(cause)
    const id = ids[0] ?? 'KAFKA_UNREACHABLE'
    super(
      `${action}: ${ids.length > 0 ? ids.join(', ') : cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    )
    this.name = 'KafkaAdminError'
    this.id = id
  }
}

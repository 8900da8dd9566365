/** The Kafka error ids (TOPIC_AUTHORIZATION_FAILED, …) anywhere inside a client error. */
export function kafkaErrorIds(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return []
  const own = 'apiId' in error && typeof error.apiId === 'string' ? [error.apiId] : []
  const nested = [
    ...('errors' in error && Array.isArray(error.errors) ? error.errors : []),
    ...('cause' in error ? [error.cause] : []),
  ]
  return [...own, ...nested.flatMap(kafkaErrorIds)]
}

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

/**
 * The Kafka error ids (TOPIC_AUTHORIZATION_FAILED, …) anywhere inside an error of
 * @platformatic/kafka, which nests a broker's answers in `errors` and `cause`; each id once.
 */
export function kafkaErrorIds(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return []
  const own = 'apiId' in error && typeof error.apiId === 'string' ? [error.apiId] : []
  const nested = [
    ...('errors' in error && Array.isArray(error.errors) ? error.errors : []),
    ...('cause' in error ? [error.cause] : []),
  ]
  return [...new Set([...own, ...nested.flatMap(kafkaErrorIds)])]
}

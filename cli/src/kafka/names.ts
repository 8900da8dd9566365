import { usageError } from '../errors.ts'

/**
 * Short names: a tenant names topics and groups as the API does (`orders`), and Kafka knows
 * them under the cluster's prefix (`acme-main.orders`). fjord maps them both ways, so the
 * prefix is never typed nor printed.
 */
export class ShortNames {
  readonly prefix: string

  constructor(prefix: string) {
    this.prefix = prefix
  }

  /** The Kafka name of a topic or group the user named; a name carrying the prefix already is refused, not doubled. */
  toKafka(name: string, what: 'topic' | 'group'): string {
    if (name === '') throw usageError(`the ${what} name is empty`)
    if (this.prefix !== '' && name.startsWith(this.prefix)) {
      const short = name.slice(this.prefix.length)
      throw usageError(
        `${what} "${name}" carries the cluster's prefix ${this.prefix}`,
        `fjord adds it: name the ${what} ${short || 'without it'}`,
      )
    }
    return this.prefix + name
  }

  /** The short name of a Kafka name; one outside the prefix stays whole. */
  toShort(kafkaName: string): string {
    return kafkaName.startsWith(this.prefix) ? kafkaName.slice(this.prefix.length) : kafkaName
  }
}

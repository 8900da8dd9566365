import { z } from '@hono/zod-openapi'
import { type FieldError, validationFailed } from '../errors.ts'
import { ProblemSchema } from '../http/openapi.ts'
import { filterProblem, filterVariables, maxFilterLength } from '../kafka/message-filter.ts'

// What the messages routes take and answer (routes/messages.ts): the query of a browse and
// the checks its schema alone cannot make, the NDJSON lines of its answer, and a test message.

/** Offsets, one for every partition (`120`) or per partition (`0:120,1:98`). */
const OffsetsParam = z
  .string()
  .max(20_000)
  .regex(
    /^(\d{1,19}|\d{1,5}:\d{1,19}(,\d{1,5}:\d{1,19})*)$/,
    'is an offset, or partition:offset pairs',
  )

const flag = (description: string) =>
  z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .openapi({ description })

const maxFull = 10

export const BrowseQuerySchema = z.object({
  partition: z
    .string()
    .regex(/^(all|\d{1,5})$/, 'is a partition number, or all')
    .default('all')
    .openapi({ description: 'One partition, or all of them' }),
  start: z.enum(['newest', 'oldest', 'offset', 'timestamp']).default('newest').openapi({
    description:
      'newest: the newest `limit` messages (back from `before` when given); oldest: from the first; offset: from `offset`; timestamp: from the first at or after `timestamp`',
  }),
  offset: OffsetsParam.optional().openapi({
    description:
      'With start=offset: where to start, for every partition (`120`) or per partition (`0:120,1:98`); a partition left out is not read',
  }),
  timestamp: z.string().max(40).optional().openapi({
    description: 'With start=timestamp: an ISO 8601 time, or milliseconds since the epoch',
  }),
  before: OffsetsParam.optional().openapi({
    description:
      'With start=newest: the newest messages before these offsets (exclusive): a previous page passes the `previous` of the page it came from',
  }),
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({
    description: 'Messages to send (those the filter matches)',
  }),
  filter: z
    .string()
    .max(maxFilterLength)
    .optional()
    .openapi({
      description: `A CEL expression over ${Object.keys(filterVariables).join(', ')}: only the messages it is true for are sent (see docs/api.md)`,
      example: 'headers["type"] == "order" && json.amount > 100',
    }),
  maxBytes: z.coerce.number().int().min(1).max(1_048_576).default(65_536).openapi({
    description:
      'Bytes shown of each key, value and header value; the rest is cut (truncated: true)',
  }),
  full: flag(`Show keys, values and headers whole (at most ${maxFull} messages)`),
  follow: flag(
    'After the newest messages, go on sending each new one as it comes until the client leaves (start=newest only)',
  ),
})

export type BrowseQuery = z.output<typeof BrowseQuerySchema>

const Encoding = z.enum(['utf8', 'hex']).openapi({
  description: 'utf8: the bytes as text; hex: they are not UTF-8, shown as lower-case hex',
})
const Counts = {
  scanned: z.number().int().openapi({ description: 'Messages read from Kafka' }),
  matched: z.number().int().openapi({ description: 'Messages sent' }),
  bytes: z.number().int().openapi({ description: 'Bytes of the messages read' }),
  elapsedMs: z.number().int(),
}
const OffsetsByPartition = z.record(z.string(), z.string()).openapi({
  description: 'Offset (a string: int64) by partition number',
})

export const BrowseLineSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('start'),
        partitions: z.array(
          z.object({
            partition: z.number().int(),
            logStart: z.string().openapi({ description: 'Its first offset' }),
            end: z.string().openapi({ description: 'The offset its next message gets' }),
          }),
        ),
      })
      .openapi('MessageStreamStart', { description: 'First: the partitions read' }),
    z
      .object({
        type: z.literal('message'),
        partition: z.number().int(),
        offset: z.string().openapi({ description: 'An int64, as a string' }),
        timestamp: z.string().nullable().openapi({ description: 'ISO 8601; null when none' }),
        key: z.string().nullable(),
        keyEncoding: Encoding,
        keySize: z.number().int(),
        value: z.string().nullable().openapi({ description: 'null for a tombstone' }),
        valueEncoding: Encoding,
        size: z.number().int().openapi({ description: "The value's size in bytes, whole" }),
        truncated: z.boolean().openapi({
          description:
            'The key, value or a header value was cut at maxBytes: ask for it with full=true',
        }),
        headers: z.array(
          z.object({ key: z.string(), value: z.string().nullable(), encoding: Encoding }),
        ),
      })
      .openapi('Message'),
    z
      .object({ type: z.literal('progress'), ...Counts })
      .openapi('MessageStreamProgress', { description: 'Every half second or so' }),
    z
      .object({
        type: z.literal('done'),
        stoppedBy: z.enum(['limit', 'end', 'scanLimit', 'timeLimit', 'filterLimit']).openapi({
          description:
            'limit: `limit` messages sent; end: nothing more to read that way; scanLimit, timeLimit, filterLimit: a bound of the api (see `detail`)',
        }),
        detail: z.string().optional(),
        ...Counts,
        filterErrors: z.number().int().openapi({
          description: 'Messages the filter failed on (counted as not matching)',
        }),
        filterError: z.string().optional().openapi({ description: 'The first such failure' }),
        previous: OffsetsByPartition.openapi({
          description: 'The `before` of the previous page (start=newest)',
        }),
        next: OffsetsByPartition.openapi({
          description: 'The `offset` of the next page (start=offset)',
        }),
      })
      .openapi('MessageStreamDone', { description: 'Last, unless an error ends the stream' }),
    z
      .object({ type: z.literal('error'), problem: ProblemSchema })
      .openapi('MessageStreamError', { description: 'Last: what stopped the stream' }),
  ])
  .openapi('MessageStreamLine', { description: 'One line of application/x-ndjson' })

const headerText = z.string().max(65_536)
export const ProduceMessageSchema = z
  .object({
    partition: z.number().int().min(0).optional().openapi({
      description: "Where it goes; by default by its key (as Java's producer does), else any",
    }),
    key: z.string().max(1_048_576).nullable().default(null),
    keyEncoding: z.enum(['utf8', 'hex', 'base64']).default('utf8'),
    value: z.string().max(1_048_576).nullable().openapi({ description: 'null for a tombstone' }),
    valueEncoding: z.enum(['utf8', 'hex', 'base64']).default('utf8'),
    headers: z
      .array(z.object({ key: z.string().min(1).max(256), value: headerText.nullable() }).strict())
      .max(64)
      .default([]),
  })
  .strict()
  .openapi('ProduceMessage')

export const ProducedSchema = z
  .object({
    partition: z.number().int(),
    offset: z.string().openapi({ description: 'An int64, as a string' }),
    timestamp: z.string().openapi({ description: 'ISO 8601' }),
  })
  .openapi('ProducedMessage')

/** Offsets as the query gives them: one for every partition, or per partition. */
export function offsetsOf(text: string, partitions: number[], field: string): Map<number, bigint> {
  if (!text.includes(':')) return new Map(partitions.map((p) => [p, BigInt(text)]))
  const offsets = new Map<number, bigint>()
  for (const pair of text.split(',')) {
    const [partition = '', offset = ''] = pair.split(':')
    offsets.set(Number(partition), BigInt(offset))
  }
  const unknown = [...offsets.keys()].filter((p) => !partitions.includes(p))
  if (unknown.length > 0) {
    throw validationFailed([
      { path: field, message: `names partition ${unknown.join(', ')}, which is not read` },
    ])
  }
  return offsets
}

export function timestampOf(text: string): bigint | undefined {
  if (/^\d{1,15}$/.test(text)) return BigInt(text)
  // Date.parse takes more than ISO 8601; a time must at least look like one.
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : BigInt(ms)
}

/** What the query asks that its schema alone cannot check; 422 on each field at fault. */
export function queryErrors(query: BrowseQuery): FieldError[] {
  const errors: FieldError[] = []
  const only = (field: 'offset' | 'timestamp' | 'before', start: BrowseQuery['start']) => {
    if (query[field] !== undefined && query.start !== start) {
      errors.push({ path: `query.${field}`, message: `goes only with start=${start}` })
    }
  }
  only('offset', 'offset')
  only('timestamp', 'timestamp')
  only('before', 'newest')
  if (query.start === 'offset' && query.offset === undefined) {
    errors.push({ path: 'query.offset', message: 'is needed with start=offset' })
  }
  if (query.start === 'timestamp') {
    if (query.timestamp === undefined) {
      errors.push({ path: 'query.timestamp', message: 'is needed with start=timestamp' })
    } else if (timestampOf(query.timestamp) === undefined) {
      errors.push({
        path: 'query.timestamp',
        message: 'is an ISO 8601 time (2026-01-31T12:00:00Z) or milliseconds since the epoch',
      })
    }
  }
  if (query.follow && (query.start !== 'newest' || query.before !== undefined)) {
    errors.push({
      path: 'query.follow',
      message: 'follows on from the newest messages: start=newest, without before',
    })
  }
  if (query.full && query.limit > maxFull) {
    errors.push({
      path: 'query.full',
      message: `shows at most ${maxFull} messages whole: ask for fewer (limit), or for one by partition and offset`,
    })
  }
  if (query.filter !== undefined) {
    const problem = filterProblem(query.filter)
    if (problem) errors.push({ path: 'query.filter', message: problem })
  }
  return errors
}

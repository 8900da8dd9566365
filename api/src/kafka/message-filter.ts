import { Environment } from '@marcbachmann/cel-js'

// The filter of a message browse: a CEL expression (https://cel.dev), which has no loops of
// its own, no I/O and no way out of the values it is given. It is checked here, in the
// request, and run over records in a worker thread (filter-sandbox.ts) that a deadline can
// stop: CEL's `matches` is JavaScript's backtracking RegExp and macros nest, so one record
// could otherwise hold the api's event loop.

/** The longest filter the api takes, in characters. */
export const maxFilterLength = 2_000

/** One record as a filter sees it: bytes as text (UTF-8, or lower-case hex when they are not). */
export interface FilterRecord {
  partition: number
  offset: bigint
  /** Milliseconds since the epoch; negative when the record has none. */
  timestamp: number
  key: string | null
  value: string | null
  headers: [string, string | null][]
}

/** The variables a filter may use, with their CEL types, as docs/api.md lists them. */
export const filterVariables = {
  key: 'dyn',
  value: 'dyn',
  headers: 'map<string, dyn>',
  partition: 'int',
  offset: 'int',
  timestamp: 'google.protobuf.Timestamp',
  json: 'dyn',
} as const

const environment = Object.entries(filterVariables).reduce(
  (env, [name, type]) => env.registerVariable(name, type),
  new Environment({
    limits: {
      maxAstNodes: 500,
      maxDepth: 32,
      maxListElements: 100,
      maxMapEntries: 100,
      maxCallArguments: 8,
    },
  }),
)

/** Why `expression` is no filter (a parse or type error, or not a condition); undefined if it is one. */
export function filterProblem(expression: string): string | undefined {
  if (expression.length > maxFilterLength) {
    return `is ${expression.length} characters long; a filter has at most ${maxFilterLength}`
  }
  if (expression.trim() === '') return 'is empty: leave it out to see every message'
  try {
    const checked = environment.check(expression)
    if (!checked.valid) return checked.error?.message ?? 'is not a valid CEL expression'
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      return `is a ${checked.type}, not a condition: a filter answers true or false, as in value.contains("x")`
    }
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/**
 * The filter as a function of a record: true when the record matches. It throws when the
 * expression fails on the record (a missing map key, a value of another type), which the
 * browse counts as no match and reports.
 */
export function compileFilter(expression: string): (record: FilterRecord) => boolean {
  const evaluate = environment.parse(expression)
  // Parsing every value as JSON costs; only a filter that names `json` pays it.
  const usesJson = /\bjson\b/.test(expression)
  return (record) => {
    const answer = evaluate({
      key: record.key,
      value: record.value,
      headers: new Map(record.headers),
      partition: BigInt(record.partition),
      offset: record.offset,
      timestamp: new Date(record.timestamp),
      json: usesJson && record.value !== null ? jsonOf(record.value) : null,
    })
    if (typeof answer !== 'boolean') {
      throw new Error(`the filter answered ${typeof answer}, not true or false`)
    }
    return answer
  }
}

type Reviver = (key: string, value: unknown, context: { source?: string }) => unknown

// Integers as CEL ints (BigInt), so that an int64 id compares exactly; other numbers as doubles.
const exactIntegers: Reviver = (_key, value, context) =>
  typeof value === 'number' && context.source !== undefined && /^-?\d+$/.test(context.source)
    ? BigInt(context.source)
    : value

/** A value parsed as JSON, or null when it is no JSON. */
export function jsonOf(text: string): unknown {
  const first = text.trimStart()[0]
  // Most values that are no JSON are told at their first character, without a parse.
  if (first === undefined || !'{["-0123456789tfn'.includes(first)) return null
  try {
    return JSON.parse(text, exactIntegers as Parameters<typeof JSON.parse>[1])
  } catch {
    return null
  }
}

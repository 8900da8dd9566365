import type { Answer, Data } from '@fjord/client'
import type { Context } from '../context.ts'
import { CliError } from '../errors.ts'

export interface Versioned<T> {
  value: T
  etag: string
}

/** What a write answers when its If-Match no longer matched: somebody changed it meanwhile. */
export const lostRace = Symbol('lost race')

const attempts = 5

/**
 * Read, change and write back under If-Match, so that a concurrent change is never lost: a
 * write that lost the race is made again on a fresh read. `change` answers undefined when
 * there is nothing to write.
 */
export async function readModifyWrite<T, C>(
  read: () => Promise<Versioned<T>>,
  change: (current: T) => C | undefined,
  write: (next: C, etag: string) => Promise<T | typeof lostRace>,
): Promise<{ result: T; changed: boolean }> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const current = await read()
    const next = change(current.value)
    if (next === undefined) return { result: current.value, changed: false }
    const written = await write(next, current.etag)
    if (written !== lostRace) return { result: written, changed: true }
  }
  throw new CliError(`it kept changing while fjord wrote it (${attempts} tries)`, {
    suggestion: 'try again',
  })
}

/** The body of a read with its ETag, for a write under If-Match. */
export async function versioned<A extends Answer>(
  ctx: Context,
  read: Promise<A>,
): Promise<Versioned<Data<A>>> {
  const answer = await read
  const value = await ctx.call(Promise.resolve(answer))
  const etag = answer.response.headers.get('etag')
  if (!etag) throw new CliError(`the API sent no ETag for ${answer.response.url}`)
  return { value, etag }
}

/** The body of a write under If-Match, or `lostRace` when the resource changed since the read. */
export async function unlessLostRace<A extends Answer>(
  ctx: Context,
  write: Promise<A>,
): Promise<Data<A> | typeof lostRace> {
  const answer = await write
  if (answer.response.status === 412) return lostRace
  return ctx.call(Promise.resolve(answer))
}

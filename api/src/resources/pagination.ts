import { z } from '@hono/zod-openapi'
import { invalidField } from '../errors.ts'

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ example: 50 }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({ description: 'nextCursor of the previous page' }),
})

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() })

export function encodeCursor(position: string | number): string {
  return Buffer.from(JSON.stringify([position])).toString('base64url')
}

/** The position a cursor points after; a cursor that was not ours is a validation failure. */
export function decodeCursor<T extends string | number>(
  cursor: string,
  kind: 'string' | 'number',
): T {
  try {
    const [position] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[]
    if (typeof position === kind) return position as T
  } catch {}
  throw invalidField('query.cursor', 'is not a cursor this API returned')
}

/**
 * Lists are fetched with limit + 1 rows: the extra row only says whether another page exists.
 */
export function pageFrom<Row, Item>(
  rows: Row[],
  limit: number,
  position: (row: Row) => string | number,
  present: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return {
    items: page.map(present),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  }
}

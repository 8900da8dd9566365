import type { Shape } from '../output.ts'

/** The fields and columns of each shape of a module, for its snapshot test. */
export function declared(
  shapes: Record<string, Shape<never>>,
): Record<string, { fields: string; columns: string }> {
  return Object.fromEntries(
    Object.entries(shapes).map(([name, shape]) => [
      name,
      { fields: Object.keys(shape.fields).join(','), columns: shape.columns.join(',') },
    ]),
  )
}

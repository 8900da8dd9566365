import { parse, stringify } from 'lossless-json'

/**
 * A value as indented JSON when it is JSON, numbers kept as written (an int64 id such as
 * 9007199254740993 is not rounded to a double); undefined when it is no JSON object or array.
 */
export function prettyJson(text: string): string | undefined {
  const first = text.trimStart()[0]
  if (first !== '{' && first !== '[') return undefined
  try {
    return stringify(parse(text), undefined, 2)
  } catch {
    return undefined
  }
}

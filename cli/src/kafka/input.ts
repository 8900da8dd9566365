import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { CliError } from '../errors.ts'
import { type Header, type InputFormat, parseLine, type RecordToProduce } from './records.ts'

export interface InputOptions {
  format: InputFormat
  /** The key of every record (with the value format). */
  key?: Buffer
  /** Headers added to every record. */
  headers: Header[]
}

/**
 * The records of the input's lines, one per line, skipping empty ones; a line that is no
 * record ends the input with an error naming it. The signal (Ctrl-C) ends the input, and what
 * was read is still written.
 */
export async function* readRecords(
  input: Readable,
  options: InputOptions,
  signal: AbortSignal,
): AsyncGenerator<RecordToProduce> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY, signal })
  let number = 0
  try {
    for await (const line of lines) {
      number += 1
      if (line.trim() === '') continue
      let record: RecordToProduce
      try {
        record = parseLine(line, options.format)
      } catch (error) {
        throw new CliError(`line ${number} ${(error as Error).message}`, {
          suggestion: `each line must be a record of --format ${options.format} (see --help)`,
        })
      }
      yield {
        key: options.key ?? record.key,
        value: record.value,
        headers: [...record.headers, ...options.headers],
      }
    }
  } catch (error) {
    if (signal.aborted && (error as Error).name === 'AbortError') return
    throw error
  } finally {
    lines.close()
  }
}

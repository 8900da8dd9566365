import type { Readable, Writable } from 'node:stream'
import { styleText } from 'node:util'
import { type Command, Option } from 'commander'
import { stringify } from 'yaml'
import { usageError } from './errors.ts'

/**
 * What a resource looks like in machine output: its fields in order (the JSON and YAML shape, a
 * contract snapshot-tested in cli/test) and the columns of its table.
 */
export interface Shape<T> {
  fields: Record<string, (item: T) => unknown>
  columns: readonly string[]
}

export const formats = ['table', 'json', 'yaml'] as const
export type Format = (typeof formats)[number]

/** The output flags of a command that prints resources. */
export interface OutputFlags {
  output?: Format
  json?: string | true
}

/** Adds `-o/--output` and `--json [fields]` to a command that prints resources. */
export function withOutputFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '-o, --output <format>',
        'table, json or yaml (default: table on a terminal, json when piped)',
      ).choices(formats),
    )
    .option(
      '--json [fields]',
      'print JSON with only these comma-separated fields; alone, list the fields',
    )
}

export interface Terminal {
  stdin: Readable
  stdout: Writable & { isTTY?: boolean }
  stderr: Writable & { isTTY?: boolean }
  /** Whether stdin and stdout are a terminal: prompts and spinners only then. */
  interactive: boolean
  color: boolean
  quiet: boolean
}

type Style = Parameters<typeof styleText>[0]

export class Output {
  readonly terminal: Terminal

  constructor(terminal: Terminal) {
    this.terminal = terminal
  }

  /** Prints resources: a table on a terminal, JSON when piped, or as the flags say. */
  list<T>(shape: Shape<T>, items: readonly T[], flags: OutputFlags): void {
    const { format, fields } = this.choose(shape, flags)
    const rows = items.map((item) => project(shape, item, fields))
    if (format === 'table') this.write(this.table(shape.columns, rows))
    else this.write(serialize(format, rows))
  }

  /** Prints one resource: field and value lines on a terminal, JSON when piped. */
  one<T>(shape: Shape<T>, item: T, flags: OutputFlags): void {
    const { format, fields } = this.choose(shape, flags)
    const row = project(shape, item, fields)
    if (format !== 'table') {
      this.write(serialize(format, row))
      return
    }
    const width = Math.max(...Object.keys(row).map((key) => key.length))
    const lines = Object.entries(row).map(
      ([key, value]) => `${this.style('bold', key.padEnd(width))}  ${this.cell(key, value)}`,
    )
    this.write(`${lines.join('\n')}\n`)
  }

  /** A status line on stderr, unless --quiet. */
  info(message: string): void {
    if (!this.terminal.quiet) this.terminal.stderr.write(`${message}\n`)
  }

  success(message: string): void {
    this.info(`${this.style('green', '✓')} ${message}`)
  }

  warn(message: string): void {
    this.terminal.stderr.write(`${this.style('yellow', '!')} ${message}\n`)
  }

  write(text: string): void {
    this.terminal.stdout.write(text)
  }

  style(style: Style, text: string): string {
    return this.terminal.color ? styleText(style, text, { validateStream: false }) : text
  }

  private choose<T>(shape: Shape<T>, flags: OutputFlags): { format: Format; fields: string[] } {
    const known = Object.keys(shape.fields)
    if (flags.json === true) {
      throw usageError(
        `--json needs fields; this command has: ${known.join(', ')}`,
        `e.g. --json ${known.slice(0, 2).join(',')}`,
      )
    }
    if (typeof flags.json === 'string') {
      const fields = flags.json
        .split(',')
        .map((field) => field.trim())
        .filter(Boolean)
      const unknown = fields.filter((field) => !known.includes(field))
      if (unknown.length > 0 || fields.length === 0) {
        throw usageError(
          `unknown --json field ${unknown.join(', ') || '(none)'}; this command has: ${known.join(', ')}`,
        )
      }
      return { format: 'json', fields }
    }
    const format = flags.output ?? (this.terminal.stdout.isTTY ? 'table' : 'json')
    return { format, fields: known }
  }

  private table(columns: readonly string[], rows: Record<string, unknown>[]): string {
    if (rows.length === 0) return ''
    const cells = rows.map((row) => columns.map((column) => plain(row[column])))
    const widths = columns.map((column, i) =>
      Math.max(column.length, ...cells.map((line) => (line[i] ?? '').length)),
    )
    const header = columns.map((column, i) => column.toUpperCase().padEnd(widths[i] ?? 0))
    const lines = rows.map((row, r) =>
      columns
        .map((column, i) => {
          const text = (cells[r]?.[i] ?? '').padEnd(widths[i] ?? 0)
          return column === 'phase' ? this.phase(row[column], text) : text
        })
        .join('  ')
        .trimEnd(),
    )
    return `${[this.style('bold', header.join('  ').trimEnd()), ...lines].join('\n')}\n`
  }

  private cell(key: string, value: unknown): string {
    return key === 'phase' ? this.phase(value, plain(value)) : plain(value)
  }

  private phase(value: unknown, text: string): string {
    if (value === 'Ready') return this.style('green', text)
    if (value === 'Failed') return this.style('red', text)
    return this.style('yellow', text)
  }
}

export function project<T>(shape: Shape<T>, item: T, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, shape.fields[field]?.(item) ?? null]))
}

function serialize(format: 'json' | 'yaml', data: unknown): string {
  return format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data)
}

/** A value as a table cell: objects as key=value pairs, nothing as `-`. */
function plain(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-'
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.join(',')
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(',')
  }
  return String(value)
}

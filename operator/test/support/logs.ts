import pino, { type Logger } from 'pino'

/** One line a test logger wrote: its level's name, `msg` and the fields logged with it. */
export type LogLine = { level: string; msg: string } & Record<string, unknown>

/** A pino logger, from debug up, that keeps its lines for the test to read instead of printing them. */
export function aRecordingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const log = pino(
    {
      level: 'debug',
      base: undefined,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => lines.push(JSON.parse(line)) },
  )
  return { log, lines }
}

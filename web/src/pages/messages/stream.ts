import type { Problem } from '@fjord/client'
import type { Schemas } from '../../api.ts'
import type { Span } from './search.ts'

// A browse as the console follows it: the API's NDJSON lines as they come, folded into what
// the page shows. The live tail keeps a bounded buffer: the newest `maxBuffer` messages.

export type Line = Schemas['MessageStreamLine']
export type Message = Schemas['Message']
export type Done = Schemas['MessageStreamDone']
export type Progress = Schemas['MessageStreamProgress']

/** The messages a live tail keeps; older ones are dropped (and counted). */
export const maxBuffer = 500

/** Each JSON line of an NDJSON body as it arrives. */
export async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<Line> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let rest = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      rest += done ? decoder.decode() : decoder.decode(value, { stream: true })
      for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n')) {
        const line = rest.slice(0, end).trim()
        rest = rest.slice(end + 1)
        if (line) yield JSON.parse(line) as Line
      }
      if (done) break
    }
    if (rest.trim()) yield JSON.parse(rest) as Line
  } finally {
    reader.releaseLock()
  }
}

export interface BrowseState {
  status: 'reading' | 'done' | 'failed' | 'cancelled'
  spans: Span[]
  /** In the order shown: newest first when reading back or following, else oldest first. */
  messages: Message[]
  /** Messages a live tail dropped to keep `maxBuffer`. */
  dropped: number
  progress?: Progress
  done?: Done
  /** What ended the stream half-way, or refused it. */
  problem?: Problem | unknown
}

export const reading: BrowseState = { status: 'reading', spans: [], messages: [], dropped: 0 }

/** Whether the message came after the browse began (the tail of a live browse). */
function isNew(message: Message, spans: Span[]): boolean {
  const span = spans.find((s) => s.partition === message.partition)
  return span !== undefined && BigInt(message.offset) >= BigInt(span.end)
}

/** The state after `lines`; with `live`, new messages go on top and the buffer stays bounded. */
export function withLines(state: BrowseState, lines: Line[], live: boolean): BrowseState {
  let { spans, messages, dropped, progress, done, status, problem } = state
  const fresh: Message[] = []
  const page: Message[] = []
  for (const line of lines) {
    switch (line.type) {
      case 'start':
        spans = line.partitions
        break
      case 'message':
        if (live && isNew(line, spans)) fresh.push(line)
        else page.push(line)
        break
      case 'progress':
        progress = line
        break
      case 'done':
        done = line
        progress = { type: 'progress', ...counts(line) }
        status = 'done'
        break
      case 'error':
        problem = line.problem
        status = 'failed'
        break
    }
  }
  if (fresh.length > 0 || page.length > 0) {
    messages = [...fresh.reverse(), ...messages, ...page]
    if (live && messages.length > maxBuffer) {
      dropped += messages.length - maxBuffer
      messages = messages.slice(0, maxBuffer)
    }
  }
  return { status, spans, messages, dropped, progress, done, problem }
}

function counts({ scanned, matched, bytes, elapsedMs }: Done) {
  return { scanned, matched, bytes, elapsedMs }
}

const number = new Intl.NumberFormat('en')

/** A count for people: 12,345. */
export const formatCount = (n: number) => number.format(n)

/** Bytes for people: 64 KiB, 1.5 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${number.format(Math.round((bytes / 1024) * 10) / 10)} KiB`
  return `${number.format(Math.round((bytes / 1024 / 1024) * 10) / 10)} MiB`
}

/** A duration for people: 850 ms, 2.4 s. */
export function formatElapsed(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

const stopReasons: Record<Done['stoppedBy'], string> = {
  limit: 'the page is full',
  end: 'nothing more to read',
  scanLimit: 'the most messages one page reads',
  timeLimit: 'the longest one page runs',
  filterLimit: 'the filter took too long',
}

/** Why a browse stopped, in words. */
export const stopReason = (done: Done) => stopReasons[done.stoppedBy]

/** Whether a bound of the API, not the page's own limit or the end, stopped the browse. */
export const stoppedByBound = (done: Done) =>
  done.stoppedBy === 'scanLimit' ||
  done.stoppedBy === 'timeLimit' ||
  done.stoppedBy === 'filterLimit'

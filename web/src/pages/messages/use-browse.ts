import { queryOptions } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { fjord, type Schemas, unwrap } from '../../api.ts'
import { browseQuery, type MessagesSearch } from './search.ts'
import {
  type BrowseState,
  type Line,
  type Message,
  ndjsonLines,
  reading,
  withLines,
} from './stream.ts'

export const messagesPath = '/v1/orgs/{org}/clusters/{cluster}/topics/{topic}/messages' as const
export const produceOperation = `POST ${messagesPath}` as const

export interface TopicPath {
  org: string
  cluster: string
  topic: string
}

/** The topic, for its partitions (a key of its own: the topics pages keep theirs otherwise). */
export const topicForMessagesQuery = ({ org, cluster, topic }: TopicPath) =>
  queryOptions({
    queryKey: ['orgs', org, 'clusters', cluster, 'topics', topic, 'for-messages'],
    queryFn: () =>
      unwrap(
        fjord.GET('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
          params: { path: { org, cluster, topic } },
        }),
      ),
  })

/** How often the page redraws while lines stream in: often enough to feel live, not per line. */
const redrawMs = 100

/**
 * The browse the URL holds, streamed: it starts again whenever the search changes (or on
 * `again`), and `cancel` (or leaving the page) aborts the request, which ends it on the server.
 */
export function useBrowse(path: TopicPath, search: MessagesSearch) {
  const [state, setState] = useState<BrowseState>(reading)
  const [round, setRound] = useState(0)
  const running = useRef<AbortController | undefined>(undefined)
  const key = JSON.stringify([path, search, round])

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for path, search and round
  useEffect(() => {
    const controller = new AbortController()
    running.current = controller
    const live = search.live === true
    let current = reading
    let pending: Line[] = []
    let timer: ReturnType<typeof setTimeout> | undefined
    const show = (next: BrowseState) => {
      current = next
      if (running.current === controller) setState(next)
    }
    const flush = () => {
      clearTimeout(timer)
      timer = undefined
      if (pending.length === 0) return
      const lines = pending
      pending = []
      show(withLines(current, lines, live))
    }
    setState(reading)
    void (async () => {
      try {
        const body = await unwrap(
          fjord.GET(messagesPath, {
            params: { path, query: browseQuery(search) },
            parseAs: 'stream',
            signal: controller.signal,
          }),
        )
        if (!body) throw new Error('The API answered without a body')
        for await (const line of ndjsonLines(body)) {
          pending.push(line)
          timer ??= setTimeout(flush, redrawMs)
        }
        flush()
        // A stream cut short (a proxy, a restart) ends without its done line.
        if (current.status === 'reading') {
          show({ ...current, status: 'failed', problem: new Error('The stream ended early') })
        }
      } catch (error) {
        flush()
        if (controller.signal.aborted) show({ ...current, status: 'cancelled' })
        else show({ ...current, status: 'failed', problem: error })
      }
    })()
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [key])

  return {
    state,
    cancel: () => running.current?.abort(),
    again: () => setRound((n) => n + 1),
  }
}

/** One message whole (`full=true`): what "Show all" shows. */
export async function wholeMessage(path: TopicPath, message: Message): Promise<Message> {
  const body = await unwrap(
    fjord.GET(messagesPath, {
      params: {
        path,
        query: {
          start: 'offset',
          partition: String(message.partition),
          offset: String(message.offset),
          limit: 1,
          full: 'true',
        },
      },
      parseAs: 'stream',
    }),
  )
  if (body) {
    for await (const line of ndjsonLines(body)) {
      if (line.type === 'message') return line
      if (line.type === 'error') throw new Error(line.problem.detail)
    }
  }
  throw new Error(`Offset ${message.offset} of partition ${message.partition} is no longer there`)
}

export type ProduceMessage = Schemas['ProduceMessage']
export type Produced = Schemas['ProducedMessage']

export function produceMessage(path: TopicPath, body: ProduceMessage): Promise<Produced> {
  return unwrap(fjord.POST(messagesPath, { params: { path }, body }))
}

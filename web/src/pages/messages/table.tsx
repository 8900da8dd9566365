import { useState } from 'react'
import { problemOf } from '../../ui/problem.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { prettyJson } from './json.ts'
import { formatBytes, type Message } from './stream.ts'
import { type TopicPath, wholeMessage } from './use-browse.ts'

const time = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
})

const idOf = (m: Message) => `${m.partition}:${m.offset}`

/** The messages of a browse: partition, offset, time, key, value and headers. */
export function MessageTable({ path, messages }: { path: TopicPath; messages: Message[] }) {
  // Messages asked for whole ("Show all"), by partition:offset.
  const [whole, setWhole] = useState<Record<string, Message>>({})
  return (
    <div className="table-wrap msg-table">
      <table>
        <caption className="visually-hidden">Messages</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              Partition
            </th>
            <th scope="col" className="num">
              Offset
            </th>
            <th scope="col">Timestamp</th>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
            <th scope="col">Headers</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((shown) => {
            const id = idOf(shown)
            const message = whole[id] ?? shown
            return (
              <tr key={id} data-testid="message">
                <td className="num" data-label="Partition">
                  {message.partition}
                </td>
                <td className="num mono" data-label="Offset">
                  {message.offset}
                </td>
                <td className="msg-time" data-label="Timestamp">
                  {message.timestamp ? (
                    <time dateTime={message.timestamp} title={message.timestamp}>
                      {time.format(new Date(message.timestamp))}
                    </time>
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
                <td className="msg-key" data-label="Key">
                  <Bytes text={message.key} encoding={message.keyEncoding} empty="no key" />
                </td>
                <td className="msg-value" data-label="Value">
                  <Value
                    message={message}
                    onWhole={async () => {
                      const full = await wholeMessage(path, shown)
                      setWhole((all) => ({ ...all, [id]: full }))
                    }}
                  />
                </td>
                <td className="msg-headers" data-label="Headers">
                  {message.headers.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <dl>
                      {message.headers.map((header, i) => (
                        // Header keys may repeat: the position tells them apart.
                        // biome-ignore lint/suspicious/noArrayIndexKey: headers have no identity of their own
                        <div key={i}>
                          <dt>{header.key}</dt>
                          <dd>
                            <Bytes text={header.value} encoding={header.encoding} empty="null" />
                          </dd>
                        </div>
                      ))}
                    </dl>
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

/** Bytes as the API sent them: text, or hex marked as such. */
function Bytes({
  text,
  encoding,
  empty,
}: {
  text: string | null
  encoding: 'utf8' | 'hex'
  empty: string
}) {
  if (text === null) return <span className="muted msg-none">{empty}</span>
  return (
    <span className="msg-bytes">
      {encoding === 'hex' && (
        <span className="badge msg-hex" title="Not UTF-8: shown as hexadecimal bytes">
          hex
        </span>
      )}
      <span className="mono">{text}</span>
    </span>
  )
}

/** A value: JSON indented (int64s exact), text as it is, hex marked; a cut one behind Show all. */
function Value({ message, onWhole }: { message: Message; onWhole: () => Promise<void> }) {
  const { error, busy, run: showWhole } = useSubmit(onWhole)
  if (message.value === null) return <span className="muted msg-none">null (tombstone)</span>
  const json =
    message.valueEncoding === 'utf8' && !message.truncated ? prettyJson(message.value) : undefined
  const shownBytes =
    message.valueEncoding === 'hex' ? message.value.length / 2 : new Blob([message.value]).size
  return (
    <div className="msg-value-cell">
      {message.valueEncoding === 'hex' && (
        <span className="badge msg-hex" title="Not UTF-8: shown as hexadecimal bytes">
          hex
        </span>
      )}
      <pre className={json ? 'msg-json' : undefined} data-testid="message-value">
        {json ?? message.value}
      </pre>
      {message.truncated && (
        <div className="row msg-cut">
          <span className="muted">
            {shownBytes < message.size
              ? `Showing ${formatBytes(shownBytes)} of ${formatBytes(message.size)}`
              : 'The key or a header is cut'}
          </span>
          <button type="button" className="link" disabled={busy} onClick={() => showWhole()}>
            {busy ? 'Loading…' : 'Show all'}
          </button>
        </div>
      )}
      {error !== undefined && (
        <span className="error" role="alert">
          {problemOf(error).detail}
        </span>
      )}
    </div>
  )
}

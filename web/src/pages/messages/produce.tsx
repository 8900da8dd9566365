import { useState } from 'react'
import { ActionButton } from '../../ui/button.tsx'
import { Dialog } from '../../ui/dialog.tsx'
import { Field } from '../../ui/field.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { partitionNumbers } from './search.ts'
import { type Produced, produceMessage, produceOperation, type TopicPath } from './use-browse.ts'

interface Header {
  id: number
  key: string
  value: string
}

let headerIds = 0
function aHeader(): Header {
  headerIds += 1
  return { id: headerIds, key: '', value: '' }
}

/**
 * "Produce message": a dialog for one test message (key, value, headers, partition), written
 * by the API with the platform's login. Disabled, with the reason, for a role that may not.
 */
export function ProduceButton({
  path,
  partitions,
  onProduced,
}: {
  path: TopicPath
  partitions: number | undefined
  onProduced: (produced: Produced) => void
}) {
  const [open, setOpen] = useState(false)
  const [key, setKey] = useState('')
  const [value, setValue] = useState('')
  const [partition, setPartition] = useState('')
  const [headers, setHeaders] = useState<Header[]>([])
  const headerless = headers.find((h) => h.key === '' && h.value !== '')

  const {
    error,
    busy,
    run: submit,
    clearError,
  } = useSubmit(async () => {
    if (headerless) return
    const produced = await produceMessage(path, {
      key: key === '' ? null : key,
      value,
      headers: headers.filter((h) => h.key !== '').map((h) => ({ key: h.key, value: h.value })),
      ...(partition === '' ? {} : { partition: Number(partition) }),
    })
    setOpen(false)
    setValue('')
    onProduced(produced)
  })

  return (
    <>
      <ActionButton
        org={path.org}
        operation={produceOperation}
        className="primary"
        onClick={() => {
          clearError()
          setOpen(true)
        }}
      >
        Produce message
      </ActionButton>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={`Produce a message to ${path.topic}`}
        description="A test message, written with the platform's login: the topic's consumers will read it."
      >
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault()
            void submit()
          }}
        >
          <Field
            label="Key"
            hint="Optional. Messages with the same key go to the same partition."
            path="key"
            error={error}
          >
            <input value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />
          </Field>
          <Field label="Value" hint="Text or JSON, as it is written." path="value" error={error}>
            <textarea
              value={value}
              rows={6}
              onChange={(e) => setValue(e.target.value)}
              spellCheck={false}
            />
          </Field>
          <Field label="Partition" path="partition" error={error}>
            <select value={partition} onChange={(e) => setPartition(e.target.value)}>
              <option value="">By key (any, without one)</option>
              {partitionNumbers(partitions).map((p) => (
                <option key={p} value={String(p)}>
                  {p}
                </option>
              ))}
            </select>
          </Field>
          <fieldset className="msg-headers-edit">
            <legend>Headers</legend>
            {headers.length === 0 && <p className="muted">None.</p>}
            {headers.map((header, i) => (
              <div className="row" key={header.id}>
                <Field
                  label={`Header ${i + 1} key`}
                  path={`headers.${i}.key`}
                  error={error}
                  invalid={header === headerless ? 'A header needs a key' : undefined}
                >
                  <input
                    value={header.key}
                    onChange={(e) =>
                      setHeaders(
                        headers.map((h) => (h === header ? { ...h, key: e.target.value } : h)),
                      )
                    }
                  />
                </Field>
                <Field label={`Header ${i + 1} value`} path={`headers.${i}.value`} error={error}>
                  <input
                    value={header.value}
                    onChange={(e) =>
                      setHeaders(
                        headers.map((h) => (h === header ? { ...h, value: e.target.value } : h)),
                      )
                    }
                  />
                </Field>
                <button
                  type="button"
                  className="msg-remove"
                  aria-label={`Remove header ${i + 1}`}
                  onClick={() => setHeaders(headers.filter((h) => h !== header))}
                >
                  Remove
                </button>
              </div>
            ))}
            <div>
              <button type="button" onClick={() => setHeaders([...headers, aHeader()])}>
                Add header
              </button>
            </div>
          </fieldset>
          <ProblemNote error={error} shownFields={['key', 'value', 'partition', 'headers']} />
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Producing…' : 'Produce'}
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </>
  )
}

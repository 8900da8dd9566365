import { useState } from 'react'
import { Field } from '../../ui/field.tsx'
import { type Acl, type Intent, type IntentForm, intentAcls, notation } from './acls.ts'

const intentLabels: Record<Intent, string> = {
  producer: 'Producer for a topic',
  consumer: 'Consumer of a topic in a group',
  transactional: 'Transactional producer for a topic',
}

/**
 * Shortcuts that fill rows for what a client does ("a consumer of orders in the group
 * billing"), so nobody has to know that a consumer needs read on the group too.
 */
export function IntentShortcuts({
  topics,
  onAdd,
}: {
  topics: string[]
  onAdd: (acls: Acl[]) => void
}) {
  const [form, setForm] = useState<IntentForm>({
    intent: 'consumer',
    topic: '',
    topicPrefixed: false,
    group: '',
    transactionalId: '',
  })
  const [attempted, setAttempted] = useState(false)
  const [open, setOpen] = useState(false)
  const missing = (value: string, what: string) =>
    attempted && !value.trim() ? `Name the ${what}` : undefined
  const acls = intentAcls(form)
  const complete = acls.every((acl) => acl.name)

  return (
    <details
      className="card sa-intents"
      open={open}
      onToggle={(event) => setOpen(event.currentTarget.open)}
    >
      <summary>Add ACLs for a producer or a consumer</summary>
      <div className="stack">
        <div className="sa-intent-fields">
          <Field label="The client is a">
            <select
              value={form.intent}
              onChange={(e) => setForm({ ...form, intent: e.target.value as Intent })}
            >
              {Object.entries(intentLabels).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label={form.topicPrefixed ? 'Topics starting with' : 'Topic'}
            invalid={missing(form.topic, 'topic')}
          >
            <input
              value={form.topic}
              list={topics.length > 0 ? 'sa-topic-names' : undefined}
              autoComplete="off"
              onChange={(e) => setForm({ ...form, topic: e.target.value })}
            />
          </Field>
          {form.intent === 'consumer' && (
            <Field label="Consumer group" invalid={missing(form.group, 'group')}>
              <input
                value={form.group}
                autoComplete="off"
                onChange={(e) => setForm({ ...form, group: e.target.value })}
              />
            </Field>
          )}
          {form.intent === 'transactional' && (
            <Field
              label="Transactional id"
              invalid={missing(form.transactionalId, 'transactional id')}
            >
              <input
                value={form.transactionalId}
                autoComplete="off"
                onChange={(e) => setForm({ ...form, transactionalId: e.target.value })}
              />
            </Field>
          )}
        </div>
        <label className="sa-check">
          <input
            type="checkbox"
            checked={form.topicPrefixed}
            onChange={(e) => setForm({ ...form, topicPrefixed: e.target.checked })}
          />
          Every topic whose name starts with this
        </label>
        {complete && (
          <p className="muted">
            Adds{' '}
            {acls.map((acl, i) => (
              <span key={notation(acl)}>
                {i > 0 && ' and '}
                <code>{notation(acl)}</code>
              </span>
            ))}
            ; save to apply.
          </p>
        )}
        <div className="row">
          <button
            type="button"
            onClick={() => {
              setAttempted(true)
              if (!complete) return
              onAdd(acls)
              setAttempted(false)
              setOpen(false)
            }}
          >
            Add these ACLs
          </button>
        </div>
      </div>
    </details>
  )
}

import { useId } from 'react'
import { Field } from '../../ui/field.tsx'
import { readableConfig } from './format.ts'
import { allowedConfigKeys, configChoices, topicConfigKeys } from './rules.ts'

export interface ConfigEntry {
  key: string
  value: string
}

export const entriesOf = (config: Record<string, string | number | boolean>): ConfigEntry[] =>
  Object.entries(config).map(([key, value]) => ({ key, value: String(value) }))

export const configOf = (entries: readonly ConfigEntry[]): Record<string, string> =>
  Object.fromEntries(entries.map((entry) => [entry.key, entry.value]))

/**
 * The configs a topic sets, one labelled control per key, with the key's Kafka default and
 * meaning as its hint; browser-side problems in `invalid`, the API's beside the same key.
 */
export function ConfigEditor({
  entries,
  onChange,
  invalid,
  error,
  locked = [],
}: {
  entries: readonly ConfigEntry[]
  onChange: (entries: ConfigEntry[]) => void
  invalid: Record<string, string>
  error: unknown
  /** Keys shown but not removable (none by default). */
  locked?: readonly string[]
}) {
  const addId = useId()
  const used = new Set(entries.map((entry) => entry.key))
  const free = allowedConfigKeys.filter((key) => !used.has(key))
  const set = (index: number, value: string) =>
    onChange(entries.map((entry, i) => (i === index ? { ...entry, value } : entry)))
  return (
    <fieldset className="config-editor">
      <legend>Configs</legend>
      {entries.length === 0 && <p className="muted">None set: the topic takes Kafka's defaults.</p>}
      {entries.map((entry, index) => {
        const known = topicConfigKeys[entry.key]
        const choices = configChoices(entry.key)
        const readable = readableConfig(entry.key, entry.value)
        const hint = known
          ? `${known.about}. Kafka's default: ${known.kafkaDefault}${readable ? `. This is ${readable}` : ''}`
          : undefined
        return (
          <div className="config-row" key={entry.key}>
            <Field
              label={entry.key}
              hint={hint}
              path={`config.${entry.key}`}
              error={error}
              invalid={invalid[entry.key]}
            >
              {choices ? (
                <select value={entry.value} onChange={(e) => set(index, e.target.value)}>
                  {!choices.includes(entry.value) && (
                    <option value={entry.value}>{entry.value}</option>
                  )}
                  {choices.map((choice) => (
                    <option key={choice} value={choice}>
                      {choice}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  value={entry.value}
                  autoComplete="off"
                  onChange={(e) => set(index, e.target.value)}
                />
              )}
            </Field>
            {!locked.includes(entry.key) && (
              <button
                type="button"
                aria-label={`Remove ${entry.key}`}
                onClick={() => onChange(entries.filter((_, i) => i !== index))}
              >
                Remove
              </button>
            )}
          </div>
        )
      })}
      {free.length > 0 && (
        <div className="row">
          <label htmlFor={addId} className="visually-hidden">
            Add a config
          </label>
          <select
            id={addId}
            value=""
            onChange={(event) => {
              const key = event.target.value
              if (!key) return
              onChange([...entries, { key, value: topicConfigKeys[key]?.kafkaDefault ?? '' }])
            }}
          >
            <option value="">Add a config…</option>
            {free.map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
        </div>
      )}
    </fieldset>
  )
}

import { cloneElement, type ReactElement, useId } from 'react'
import { fieldError } from './problem.tsx'

/**
 * A labelled control with its hint and the API's message for it (`path` in the problem's
 * `errors`), or a check made in the browser first (`invalid`).
 */
export function Field({
  label,
  hint,
  path,
  error,
  invalid,
  children,
}: {
  label: string
  hint?: string
  /** Where the API reports this field in a problem's `errors`, e.g. `config.retention.ms`. */
  path?: string
  error?: unknown
  invalid?: string | undefined
  children: ReactElement<Record<string, unknown>>
}) {
  const id = useId()
  const message = invalid ?? (path ? fieldError(error, path) : undefined)
  const described = [hint && `${id}-hint`, message && `${id}-error`].filter(Boolean).join(' ')
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, {
        id,
        'aria-invalid': message ? true : undefined,
        'aria-describedby': described || undefined,
      })}
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {message && (
        <span className="error" id={`${id}-error`}>
          {message}
        </span>
      )}
    </div>
  )
}

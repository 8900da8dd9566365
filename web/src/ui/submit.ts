import { type FormEvent, useState } from 'react'

/**
 * A write the user starts (a form's submit, a button): busy while it runs, and the API's
 * problem kept to show if it is refused. `onSubmit` is the form's handler; `run` the button's,
 * which may also run another action under the same busy state and problem.
 */
export function useSubmit(action: () => Promise<void> = async () => {}) {
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const run = async (what: () => Promise<void> = action) => {
    setBusy(true)
    setError(undefined)
    try {
      await what()
    } catch (problem) {
      setError(problem)
    } finally {
      setBusy(false)
    }
  }
  const onSubmit = (event?: FormEvent) => {
    event?.preventDefault()
    return run()
  }
  return { error, busy, run, onSubmit, clearError: () => setError(undefined) }
}

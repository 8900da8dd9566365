import { Dialog as Radix } from 'radix-ui'
import { type ReactNode, useState } from 'react'
import { Field } from './field.tsx'
import { ProblemNote } from './problem.tsx'
import { useSubmit } from './submit.ts'

/** A modal dialog with a title, focus kept inside, and Escape to close. */
export function Dialog({
  open,
  onOpenChange,
  title,
  description,
  children,
}: {
  open: boolean
  onOpenChange: (open: boolean) => void
  title: string
  description?: string
  children: ReactNode
}) {
  return (
    <Radix.Root open={open} onOpenChange={onOpenChange}>
      <Radix.Portal>
        <Radix.Overlay className="overlay" />
        <Radix.Content className="dialog" aria-describedby={undefined}>
          <Radix.Title asChild>
            <h2>{title}</h2>
          </Radix.Title>
          {description && <Radix.Description className="muted">{description}</Radix.Description>}
          {children}
        </Radix.Content>
      </Radix.Portal>
    </Radix.Root>
  )
}

/**
 * Deleting `name` only once it is typed in: the dialog a destructive action opens. `onConfirm`
 * runs the deletion; its problem shows in the dialog.
 */
export function ConfirmDelete({
  open,
  onOpenChange,
  kind,
  name,
  consequence,
  onConfirm,
}: {
  open: boolean
  onOpenChange: (open: boolean) => void
  kind: string
  name: string
  consequence: string
  onConfirm: () => Promise<unknown>
}) {
  const [typed, setTyped] = useState('')
  const { error, busy, onSubmit } = useSubmit(async () => {
    await onConfirm()
    onOpenChange(false)
  })
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={`Delete ${kind} ${name}`}>
      <form className="form" onSubmit={onSubmit}>
        <p>{consequence}</p>
        <Field label={`Type ${name} to confirm`}>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </Field>
        <ProblemNote error={error} />
        <div className="row">
          <button type="submit" className="danger" disabled={typed !== name || busy}>
            Delete {kind}
          </button>
          <button type="button" onClick={() => onOpenChange(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  )
}

import type { ReactNode } from 'react'
import { Dialog } from '../../ui/dialog.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { useSubmit } from '../../ui/submit.ts'

/**
 * A yes-or-no question before a change (removing a member, revoking an invitation): the API's
 * problem, if it refuses, shows in the dialog.
 */
export function ConfirmAction({
  open,
  onOpenChange,
  title,
  confirm,
  danger = true,
  onConfirm,
  children,
}: {
  open: boolean
  onOpenChange: (open: boolean) => void
  title: string
  confirm: string
  danger?: boolean
  onConfirm: () => Promise<unknown>
  children: ReactNode
}) {
  const { error, busy, onSubmit } = useSubmit(async () => {
    await onConfirm()
    onOpenChange(false)
  })
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={title}>
      <form className="form" onSubmit={onSubmit}>
        {children}
        <ProblemNote error={error} />
        <div className="row">
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
            {confirm}
          </button>
          <button type="button" onClick={() => onOpenChange(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  )
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const steps: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
]

/** "3 minutes ago", "in 7 days": how far `date` is from `now`, in its largest whole unit. */
export function fromNow(date: Date, now = new Date()): string {
  let amount = (date.getTime() - now.getTime()) / 1000
  for (const [unit, size] of steps) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit)
    amount /= size
  }
  return absolute.format(date)
}

/** A moment of the API (ISO 8601) as "3 minutes ago", the exact time on hover. */
export function When({ at, never = '—' }: { at: string | null | undefined; never?: string }) {
  if (!at) return <span className="muted">{never}</span>
  const date = new Date(at)
  return (
    <time dateTime={at} title={absolute.format(date)}>
      {fromNow(date)}
    </time>
  )
}

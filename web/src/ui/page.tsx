import type { ReactNode } from 'react'

/** A page's title, what it is about, and its main actions. */
export function PageHeader({
  title,
  breadcrumbs,
  children,
}: {
  title: ReactNode
  breadcrumbs?: ReactNode
  children?: ReactNode
}) {
  return (
    <div className="page-header">
      <div>
        {breadcrumbs && (
          <nav className="breadcrumbs" aria-label="Breadcrumbs">
            {breadcrumbs}
          </nav>
        )}
        <h1>{title}</h1>
      </div>
      {children && <div className="row">{children}</div>}
    </div>
  )
}

const tones: Record<string, string> = {
  Ready: 'ok',
  Active: 'ok',
  Stable: 'ok',
  Provisioning: 'warn',
  Pending: 'warn',
  Deleting: 'warn',
  Empty: 'warn',
  Failed: 'error',
  Dead: 'error',
}

/** A resource's phase or a group's state as a coloured badge, announced when it changes. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${tones[status] ?? ''}`} aria-live="polite">
      {status}
    </span>
  )
}

/** A limit's use as a bar: the browser's own meter, low to 80 %, high to the maximum. */
export function Meter({ label, used, maximum }: { label: string; used: number; maximum: number }) {
  return (
    <meter
      className="meter"
      aria-label={label}
      min={0}
      max={Math.max(maximum, 1)}
      low={maximum * 0.8}
      high={maximum * 0.999}
      optimum={0}
      value={Math.min(used, maximum)}
    />
  )
}

/** A page still to be built; each area replaces its own, and this file goes with the last. */
export function Placeholder({ title }: { title: string }) {
  return (
    <div className="stack">
      <h1>{title}</h1>
      <p className="muted">This page is being built.</p>
    </div>
  )
}

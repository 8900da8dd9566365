import { Link } from '@tanstack/react-router'

/** What every unknown URL, and every resource of another org, shows. */
export function NotFound() {
  return (
    <div className="stack" data-testid="not-found">
      <h1>Not found</h1>
      <p className="muted">
        There is nothing here, or it belongs to an organization you are not a member of.
      </p>
      <p>
        <Link to="/">Go to your organizations</Link>
      </p>
    </div>
  )
}

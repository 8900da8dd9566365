import { useQuery } from '@tanstack/react-query'
import { Link, Outlet, useNavigate, useParams } from '@tanstack/react-router'
import { meQuery } from '../routes/root.tsx'
import { UserMenu } from './user-menu.tsx'

/** The frame of every org page: the org switcher, the user's menu and the org's navigation. */
export function Shell() {
  const { org } = useParams({ from: '/app/orgs/$org' })
  const { data: me } = useQuery(meQuery)
  const navigate = useNavigate()
  const memberships = me?.memberships ?? []
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/orgs/$org" params={{ org }} className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          Fjord
        </Link>
        <label className="row">
          <span className="visually-hidden">Organization</span>
          <select
            value={org}
            onChange={(event) =>
              navigate({ to: '/orgs/$org', params: { org: event.target.value } })
            }
            aria-label="Organization"
          >
            {memberships.map((m) => (
              <option key={m.organization} value={m.organization}>
                {m.organization} ({m.role})
              </option>
            ))}
          </select>
        </label>
        <Link to="/orgs/new">New organization</Link>
        <span className="spacer" />
        <UserMenu />
      </header>
      <nav className="sidenav" aria-label="Organization">
        <span className="section">Kafka</span>
        <Link to="/orgs/$org/clusters" params={{ org }}>
          Clusters
        </Link>
        <span className="section">Organization</span>
        <Link to="/orgs/$org/members" params={{ org }}>
          Members
        </Link>
        <Link to="/orgs/$org/api-keys" params={{ org }}>
          API keys
        </Link>
        <Link to="/orgs/$org/quotas" params={{ org }}>
          Quotas and usage
        </Link>
        <Link to="/orgs/$org/audit" params={{ org }}>
          Audit log
        </Link>
      </nav>
      <main>
        <Outlet />
      </main>
    </div>
  )
}

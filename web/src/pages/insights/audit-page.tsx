import { useQuery } from '@tanstack/react-query'
import { getRouteApi } from '@tanstack/react-router'
import { useEffect, useId, useState } from 'react'
import type { Schemas } from '../../api.ts'
import { FjordProblem } from '../../api.ts'
import { useCan } from '../../permissions.tsx'
import { PageHeader } from '../../ui/page.tsx'
import { Empty, Loading, QueryState } from '../../ui/states.tsx'
import { auditEventsQuery } from './queries.ts'
import { type AuditSearch, defaultPageSize, text } from './search.ts'

const pageSizes = [25, 50, 100, 200]

// What the api records (`<resource type>.<verb>`), offered as suggestions; any action can be typed.
const resourceTypes = [
  'organization',
  'quota',
  'member',
  'invitation',
  'api_key',
  'cluster',
  'topic',
  'service_account',
  'credential',
  'group',
  'user',
]
const knownActions = [
  'organization.create',
  'organization.update',
  'organization.delete',
  'quota.update',
  'member.update',
  'member.delete',
  'invitation.create',
  'invitation.delete',
  'invitation.accept',
  'api_key.create',
  'api_key.delete',
  'cluster.create',
  'cluster.update',
  'cluster.delete',
  'topic.create',
  'topic.update',
  'topic.delete',
  'topic.message.produce',
  'service_account.create',
  'service_account.update',
  'service_account.delete',
  'credential.create',
  'credential.issue',
  'credential.delete',
  'group.offsets.reset',
  'user.password.change',
]

const route = getRouteApi('/app/orgs/$org/audit')

/** Who changed what in the org, newest first, filtered by action and resource type (admins). */
export function AuditPage() {
  const { org } = route.useParams()
  const can = useCan(org)('GET /v1/orgs/{org}/audit-events')
  return (
    <>
      <PageHeader title="Audit log" />
      {can.allowed ? (
        <AuditLog org={org} />
      ) : can.reason?.startsWith('Checking') ? (
        <Loading what="your permissions" />
      ) : (
        <AdminsOnly reason={can.reason} />
      )}
    </>
  )
}

function AdminsOnly({ reason }: { reason?: string | undefined }) {
  return (
    <div className="note info" role="status" data-testid="audit-admins-only">
      <strong>The audit log is for admins and owners</strong>
      <span>
        {reason ?? 'Your role does not allow reading it'}: ask an admin of the organization to look
        something up for you, or to give you the admin role.
      </span>
    </div>
  )
}

function AuditLog({ org }: { org: string }) {
  const search = route.useSearch()
  const navigate = route.useNavigate()
  const query = useQuery(
    auditEventsQuery(org, {
      action: search.action,
      targetType: search.type,
      cursor: search.cursor,
      limit: search.limit ?? defaultPageSize,
    }),
  )
  const filtered = Boolean(search.action || search.type)
  const newer = search.newer ?? []

  return (
    <section className="stack" aria-labelledby="audit-title">
      <h2 id="audit-title" className="visually-hidden">
        Events
      </h2>
      <AuditFilters
        action={search.action}
        type={search.type}
        onChange={(filters) => navigate({ search: { ...filters, limit: search.limit } })}
      />
      {query.error instanceof FjordProblem && query.error.status === 403 ? (
        <AdminsOnly />
      ) : (
        <QueryState query={query} what="audit events">
          {(page) => (
            <>
              {page.items.length === 0 ? (
                <Empty>
                  {filtered
                    ? 'No event matches these filters.'
                    : 'Nothing has been recorded yet: every change to the organization shows here.'}
                </Empty>
              ) : (
                <AuditTable events={page.items} />
              )}
              <nav className="row ins-pager" aria-label="Pages of events">
                <button
                  type="button"
                  disabled={!search.cursor}
                  onClick={() =>
                    navigate({
                      search: (previous) => ({
                        ...previous,
                        cursor: newer.at(-1) || undefined,
                        newer: newer.length > 1 ? newer.slice(0, -1) : undefined,
                      }),
                    })
                  }
                >
                  Newer
                </button>
                <button
                  type="button"
                  disabled={!page.nextCursor}
                  onClick={() =>
                    navigate({
                      search: (previous) => ({
                        ...previous,
                        cursor: page.nextCursor ?? undefined,
                        newer: [...newer, search.cursor ?? ''],
                      }),
                    })
                  }
                >
                  Older
                </button>
                <span className="muted" aria-live="polite">
                  {search.cursor ? `Page ${newer.length + 1}` : 'Newest events'}
                  {query.isFetching ? ' (loading…)' : ''}
                </span>
                <label className="row">
                  <span>Per page</span>
                  <select
                    value={search.limit ?? defaultPageSize}
                    onChange={(event) =>
                      navigate({
                        search: (previous) => ({
                          action: previous.action,
                          type: previous.type,
                          limit: Number(event.target.value),
                        }),
                      })
                    }
                  >
                    {[...new Set([...pageSizes, search.limit ?? defaultPageSize])]
                      .sort((a, b) => a - b)
                      .map((size) => (
                        <option key={size} value={size}>
                          {size}
                        </option>
                      ))}
                  </select>
                </label>
              </nav>
            </>
          )}
        </QueryState>
      )}
    </section>
  )
}

function AuditFilters({
  action,
  type,
  onChange,
}: {
  action: string | undefined
  type: string | undefined
  onChange: (filters: AuditSearch) => void
}) {
  const id = useId()
  const [typed, setTyped] = useState(action ?? '')
  // The URL wins when it changes (back, forward, a shared link).
  useEffect(() => setTyped(action ?? ''), [action])
  return (
    <form
      className="row ins-filters"
      aria-label="Filter events"
      onSubmit={(event) => {
        event.preventDefault()
        onChange({ action: text(typed), type })
      }}
    >
      <label className="field">
        <span className="ins-label">Action</span>
        <input
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          list={`${id}-actions`}
          placeholder="e.g. topic.create"
          spellCheck={false}
        />
        <datalist id={`${id}-actions`}>
          {knownActions.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      </label>
      <label className="field">
        <span className="ins-label">Resource type</span>
        <select
          value={type ?? ''}
          onChange={(event) => onChange({ action: text(typed), type: text(event.target.value) })}
        >
          <option value="">Any</option>
          {resourceTypes.map((name) => (
            <option key={name} value={name}>
              {name.replace('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary">
        Filter
      </button>
      <button
        type="button"
        disabled={!action && !type && typed === ''}
        onClick={() => {
          setTyped('')
          onChange({})
        }}
      >
        Clear
      </button>
    </form>
  )
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

function AuditTable({ events }: { events: Schemas['AuditEvent'][] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Audit events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Resource</th>
            <th scope="col">Outcome</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id} data-testid="audit-row">
              <td className="ins-nowrap">
                <time dateTime={event.createdAt} title={event.createdAt}>
                  {timeFormat.format(new Date(event.createdAt))}
                </time>
              </td>
              <td>
                {event.actor.label}{' '}
                <span className="muted">({event.actor.type.replace('_', ' ')})</span>
              </td>
              <td>
                <code>{event.action}</code>
              </td>
              <td>
                <span className="muted">{event.target.type.replace('_', ' ')}</span>{' '}
                {event.target.name}
              </td>
              <td>{event.outcome}</td>
              <td>
                <EventDetails event={event} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function EventDetails({ event }: { event: Schemas['AuditEvent'] }) {
  const empty = Object.keys(event.details).length === 0
  return (
    <details className="ins-details">
      <summary>Request {event.requestId.slice(0, 8)}</summary>
      <p className="muted">
        Request id <code>{event.requestId}</code>
      </p>
      {!empty && <pre>{JSON.stringify(event.details, null, 2)}</pre>}
    </details>
  )
}

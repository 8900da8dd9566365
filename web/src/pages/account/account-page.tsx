import { useQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { useState } from 'react'
import { fjord, unwrap } from '../../api.ts'
import { meQuery } from '../../routes/root.tsx'
import { Field } from '../../ui/field.tsx'
import { PageHeader } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, QueryState } from '../../ui/states.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { AccountFrame } from './frame.tsx'

/** `/account`: who you are, your organizations with your role in each, and your password. */
export function AccountPage() {
  const me = useQuery(meQuery)
  return (
    <AccountFrame>
      <PageHeader title="Account" />
      <QueryState query={me} what="your account">
        {(me) => (
          <div className="stack acct-sections">
            {me.kind === 'user' ? (
              <section className="card" aria-labelledby="you">
                <h2 id="you">You</h2>
                <dl className="acct-facts">
                  <div>
                    <dt>Email</dt>
                    <dd>{me.user.email}</dd>
                  </div>
                  {me.user.name && me.user.name !== me.user.email && (
                    <div>
                      <dt>Name</dt>
                      <dd>{me.user.name}</dd>
                    </div>
                  )}
                </dl>
              </section>
            ) : (
              <p className="note info">
                You are calling with the API key <code>{me.apiKey.name}</code>.
              </p>
            )}
            <section className="card" aria-labelledby="organizations">
              <div className="acct-section-head">
                <h2 id="organizations">Your organizations</h2>
                <Link to="/orgs/new" className="button">
                  New organization
                </Link>
              </div>
              {me.memberships.length === 0 ? (
                <Empty>
                  You are in no organization yet. Create one, or open an invitation link someone
                  sent you.
                </Empty>
              ) : (
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Organization</th>
                        <th scope="col">Your role</th>
                      </tr>
                    </thead>
                    <tbody>
                      {me.memberships.map((m) => (
                        <tr key={m.organization}>
                          <td>
                            <Link to="/orgs/$org/clusters" params={{ org: m.organization }}>
                              {m.organization}
                            </Link>
                          </td>
                          <td>
                            <span className="badge">{m.role}</span>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
            {me.kind === 'user' && <ChangePassword />}
          </div>
        )}
      </QueryState>
    </AccountFrame>
  )
}

function ChangePassword() {
  const [currentPassword, setCurrent] = useState('')
  const [newPassword, setNew] = useState('')
  const [repeated, setRepeated] = useState('')
  const [changed, setChanged] = useState(false)
  const mismatch = repeated && repeated !== newPassword ? 'The two new passwords differ' : undefined
  const { error, busy, onSubmit } = useSubmit(async () => {
    setChanged(false)
    // The API answers with a fresh session (and CSRF cookie) and signs out every other one.
    await unwrap(fjord.POST('/v1/me/password', { body: { currentPassword, newPassword } }))
    setCurrent('')
    setNew('')
    setRepeated('')
    setChanged(true)
  })
  return (
    <section className="card" aria-labelledby="password">
      <h2 id="password">Change password</h2>
      <form className="form" onSubmit={onSubmit}>
        <Field label="Current password" path="currentPassword" error={error}>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={currentPassword}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </Field>
        <Field label="New password" hint="At least 10 characters" path="newPassword" error={error}>
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            value={newPassword}
            onChange={(e) => setNew(e.target.value)}
          />
        </Field>
        <Field label="New password, again" invalid={mismatch}>
          <input
            type="password"
            autoComplete="new-password"
            required
            value={repeated}
            onChange={(e) => setRepeated(e.target.value)}
          />
        </Field>
        <ProblemNote error={error} shownFields={['currentPassword', 'newPassword']} />
        {changed && (
          <p className="note ok" role="status">
            Password changed. Every other session of yours is signed out; this one stays.
          </p>
        )}
        <div>
          <button type="submit" className="primary" disabled={busy || Boolean(mismatch)}>
            Change password
          </button>
        </div>
      </form>
    </section>
  )
}

import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useLocation, useNavigate, useSearch } from '@tanstack/react-router'
import { FjordProblem, fjord, unwrap } from '../../api.ts'
import { meQuery } from '../../routes/root.tsx'
import { useLogOut } from '../../shell/user-menu.tsx'
import { PageHeader } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { AccountFrame } from './frame.tsx'
import { roleHints } from './queries.ts'

/** `/invitations/accept?token=…`: what you are joining, as whom, and a button to join. */
export function AcceptInvitationPage() {
  const { token, org, role } = useSearch({ from: '/app/invitations/accept' })
  const { data: me } = useQuery(meQuery)
  const navigate = useNavigate()
  const location = useLocation()
  const queryClient = useQueryClient()
  const { error, busy, onSubmit } = useSubmit(async () => {
    if (!token) return
    const joined = await unwrap(fjord.POST('/v1/invitations/accept', { body: { token } }))
    await queryClient.invalidateQueries({ queryKey: meQuery.queryKey })
    await navigate({ to: '/orgs/$org/clusters', params: { org: joined.organization } })
  })
  const email = me?.kind === 'user' ? me.user.email : undefined
  const alreadyIn =
    error instanceof FjordProblem && error.status === 409 && org
      ? me?.memberships.find((m) => m.organization === org)
      : undefined
  const logOut = useLogOut()
  const switchUser = () => logOut(location.href)
  return (
    <AccountFrame>
      <PageHeader title={org ? `Join ${org}` : 'Join an organization'} />
      {token ? (
        <form className="card form" onSubmit={onSubmit}>
          <p>
            {org ? (
              <>
                You are invited to join <strong>{org}</strong>
              </>
            ) : (
              'You are invited to join an organization'
            )}
            {role && (
              <>
                {' '}
                as <strong>{role}</strong> <span className="muted">({roleHints[role]})</span>
              </>
            )}
            .
          </p>
          {email && (
            <p className="muted">
              You are signed in as <strong>{email}</strong>; the invitation must have been sent to
              this address.{' '}
              <button type="button" className="link" onClick={switchUser}>
                Not you? Log in as someone else
              </button>
            </p>
          )}
          <ProblemNote error={error} />
          {alreadyIn && (
            <p>
              <Link to="/orgs/$org/clusters" params={{ org: alreadyIn.organization }}>
                Go to {alreadyIn.organization}
              </Link>
            </p>
          )}
          <div>
            <button type="submit" className="primary" disabled={busy}>
              Accept invitation
            </button>
          </div>
        </form>
      ) : (
        <p className="note warn" role="alert">
          This link has no invitation token. Open the whole link you were sent, or ask for a new
          invitation.
        </p>
      )}
    </AccountFrame>
  )
}

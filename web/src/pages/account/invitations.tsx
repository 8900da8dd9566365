import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { fjord, type Schemas, unwrap } from '../../api.ts'
import { useCan } from '../../permissions.tsx'
import { ActionButton } from '../../ui/button.tsx'
import { SecretOnce } from '../../ui/copy.tsx'
import { Field } from '../../ui/field.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, Loading, ShowMore } from '../../ui/states.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { ConfirmAction, When } from './forms.tsx'
import { invitationLink } from './invitation-link.ts'
import { invitationsQuery, type Role, roleHints, roles } from './queries.ts'

type Invitation = Schemas['Invitation']
type CreatedInvitation = Schemas['CreatedInvitation']

/** Inviting someone by email with a role, and the invitations not yet accepted. */
export function Invitations({ org }: { org: string }) {
  return (
    <section aria-labelledby="invite-title" className="stack">
      <h2 id="invite-title">Invite someone</h2>
      <InviteForm org={org} />
      <h2>Pending invitations</h2>
      <PendingInvitations org={org} />
    </section>
  )
}

function InviteForm({ org }: { org: string }) {
  const queryClient = useQueryClient()
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('developer')
  const [created, setCreated] = useState<CreatedInvitation>()
  const { error, busy, onSubmit } = useSubmit(async () => {
    setCreated(undefined)
    const invitation = await unwrap(
      fjord.POST('/v1/orgs/{org}/invitations', {
        params: { path: { org } },
        body: { email, role },
      }),
    )
    setCreated(invitation)
    setEmail('')
    await queryClient.invalidateQueries({ queryKey: invitationsQuery(org).queryKey })
  })
  return (
    <div className="stack">
      <form className="card acct-inline-form" onSubmit={onSubmit}>
        <Field label="Email" path="email" error={error}>
          <input
            type="email"
            required
            autoComplete="off"
            placeholder="ada@example.com"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Role" hint={roleHints[role]} path="role" error={error}>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <div className="acct-submit">
          <ActionButton
            org={org}
            operation="POST /v1/orgs/{org}/invitations"
            type="submit"
            className="primary"
            disabled={busy}
          >
            Invite
          </ActionButton>
        </div>
      </form>
      <ProblemNote error={error} shownFields={['email', 'role']} />
      {created && (
        <div className="stack acct-created" data-testid="invitation-created">
          <SecretOnce
            label={`Invitation link for ${created.email}`}
            secret={invitationLink(created.token, org, created.role)}
          />
          <p className="muted">
            Send it to {created.email}: they join as {created.role} once they open it signed in with
            that address (they can sign up from it), until{' '}
            {new Date(created.expiresAt).toLocaleString()}. From the CLI:{' '}
            <code>fjord invitations accept {created.token}</code>
          </p>
        </div>
      )}
    </div>
  )
}

function PendingInvitations({ org }: { org: string }) {
  const allowed = useCan(org)('GET /v1/orgs/{org}/invitations').allowed
  const invitations = useInfiniteQuery({ ...invitationsQuery(org), enabled: allowed })
  const [revoking, setRevoking] = useState<Invitation>()
  const queryClient = useQueryClient()
  if (!allowed) {
    return <Empty>Only admins and owners see the pending invitations.</Empty>
  }
  if (invitations.isPending) return <Loading what="invitations" />
  if (invitations.error) return <ProblemNote error={invitations.error} />
  const items = invitations.data.pages.flatMap((page) => page.items)
  if (items.length === 0) return <Empty>No invitation is waiting to be accepted.</Empty>
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Invited</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((invitation) => (
              <tr key={invitation.id} data-testid="invitation">
                <td>{invitation.email}</td>
                <td>
                  <span className="badge">{invitation.role}</span>
                </td>
                <td>
                  <When at={invitation.createdAt} />
                </td>
                <td>
                  <When at={invitation.expiresAt} />
                </td>
                <td>
                  <ActionButton
                    org={org}
                    operation="DELETE /v1/orgs/{org}/invitations/{invitation}"
                    onClick={() => setRevoking(invitation)}
                    aria-label={`Revoke the invitation of ${invitation.email}`}
                  >
                    Revoke
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ShowMore query={invitations} what="invitations" />
      {revoking && (
        <ConfirmAction
          open
          onOpenChange={(open) => open || setRevoking(undefined)}
          title={`Revoke the invitation of ${revoking.email}`}
          confirm="Revoke invitation"
          onConfirm={async () => {
            await unwrap(
              fjord.DELETE('/v1/orgs/{org}/invitations/{invitation}', {
                params: { path: { org, invitation: revoking.id } },
              }),
            )
            await queryClient.invalidateQueries({ queryKey: invitationsQuery(org).queryKey })
          }}
        >
          <p>Its link stops working at once. You can invite {revoking.email} again later.</p>
        </ConfirmAction>
      )}
    </>
  )
}

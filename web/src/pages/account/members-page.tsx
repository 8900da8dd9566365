import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query'
import { useNavigate, useParams } from '@tanstack/react-router'
import { useState } from 'react'
import { fjord, type Schemas, unwrap } from '../../api.ts'
import { permissionsQuery } from '../../permissions.tsx'
import { meQuery } from '../../routes/root.tsx'
import { ActionButton } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { PageHeader } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, Loading, ShowMore } from '../../ui/states.tsx'
import { ConfirmAction, When } from './forms.tsx'
import { Invitations } from './invitations.tsx'
import { membersQuery, type Role, roleHints, roles } from './queries.ts'

type Member = Schemas['Member']

/** `/orgs/$org/members`: who is in the org with which role, and who is invited. */
export function MembersPage() {
  const { org } = useParams({ from: '/app/orgs/$org/members' })
  return (
    <>
      <PageHeader title="Members" />
      <MemberList org={org} />
      <Invitations org={org} />
    </>
  )
}

function MemberList({ org }: { org: string }) {
  const members = useInfiniteQuery(membersQuery(org))
  const { data: me } = useQuery(meQuery)
  const myEmail = me?.kind === 'user' ? me.user.email : undefined
  const [changing, setChanging] = useState<Member>()
  const [removing, setRemoving] = useState<Member>()
  if (members.isPending) return <Loading what="members" />
  if (members.error) return <ProblemNote error={members.error} />
  const items = members.data.pages.flatMap((page) => page.items)
  return (
    <section aria-labelledby="members-title" className="stack">
      <h2 id="members-title" className="visually-hidden">
        Members
      </h2>
      {items.length === 0 ? (
        <Empty>No members.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Member since</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((member) => (
                <tr key={member.userId} data-testid="member">
                  <td>
                    {member.email}
                    {member.email === myEmail && <span className="muted"> (you)</span>}
                    {member.name && member.name !== member.email && (
                      <div className="muted">{member.name}</div>
                    )}
                  </td>
                  <td>
                    <span className="badge" title={roleHints[member.role]}>
                      {member.role}
                    </span>
                  </td>
                  <td>
                    <When at={member.createdAt} />
                  </td>
                  <td>
                    <div className="row acct-actions">
                      <ActionButton
                        org={org}
                        operation="PATCH /v1/orgs/{org}/members/{email}"
                        onClick={() => setChanging(member)}
                        aria-label={`Change role of ${member.email}`}
                      >
                        Change role
                      </ActionButton>
                      <ActionButton
                        org={org}
                        operation="DELETE /v1/orgs/{org}/members/{email}"
                        onClick={() => setRemoving(member)}
                        aria-label={`Remove ${member.email}`}
                      >
                        Remove
                      </ActionButton>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ShowMore query={members} what="members" />
      {changing && (
        <ChangeRole
          org={org}
          member={changing}
          self={changing.email === myEmail}
          onClose={() => setChanging(undefined)}
        />
      )}
      {removing && (
        <RemoveMember
          org={org}
          member={removing}
          self={removing.email === myEmail}
          onClose={() => setRemoving(undefined)}
        />
      )}
    </section>
  )
}

/** After a change to one's own membership, what one may do (and which orgs one is in) changed. */
async function refreshAccess(queryClient: ReturnType<typeof useQueryClient>, org: string) {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: membersQuery(org).queryKey }),
    queryClient.invalidateQueries({ queryKey: permissionsQuery(org).queryKey }),
    queryClient.invalidateQueries({ queryKey: meQuery.queryKey }),
  ])
}

/** The caller's own role in `org`, from the permissions the shell loaded. */
function useMyRole(org: string): Role | undefined {
  return useQuery(permissionsQuery(org)).data?.role
}

function ChangeRole({
  org,
  member,
  self,
  onClose,
}: {
  org: string
  member: Member
  self: boolean
  onClose: () => void
}) {
  const queryClient = useQueryClient()
  const myRole = useMyRole(org)
  const [role, setRole] = useState<Role>(member.role)
  return (
    <ConfirmAction
      open
      onOpenChange={(open) => open || onClose()}
      title={`Change the role of ${member.email}`}
      confirm="Change role"
      danger={false}
      onConfirm={async () => {
        await unwrap(
          fjord.PATCH('/v1/orgs/{org}/members/{email}', {
            params: { path: { org, email: member.email } },
            body: { role },
          }),
        )
        await refreshAccess(queryClient, org)
      }}
    >
      <Field label="Role" hint={`${role}: ${roleHints[role]}`}>
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </Field>
      {myRole !== 'owner' && (
        <p className="muted">
          Only owners make or unmake owners, and an organization keeps at least one owner.
        </p>
      )}
      {self && (
        <p className="note warn">This is your own role: a lower one takes rights from you.</p>
      )}
    </ConfirmAction>
  )
}

function RemoveMember({
  org,
  member,
  self,
  onClose,
}: {
  org: string
  member: Member
  self: boolean
  onClose: () => void
}) {
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const myRole = useMyRole(org)
  return (
    <ConfirmAction
      open
      onOpenChange={(open) => open || onClose()}
      title={self ? `Leave ${org}` : `Remove ${member.email}`}
      confirm={self ? 'Leave organization' : 'Remove member'}
      onConfirm={async () => {
        await unwrap(
          fjord.DELETE('/v1/orgs/{org}/members/{email}', {
            params: { path: { org, email: member.email } },
          }),
        )
        if (self) {
          await queryClient.invalidateQueries({ queryKey: meQuery.queryKey })
          await navigate({ to: '/' })
          queryClient.removeQueries({ queryKey: ['orgs', org] })
        } else {
          await refreshAccess(queryClient, org)
        }
      }}
    >
      <p>
        {self
          ? `You lose access to ${org} at once; only an admin can invite you back.`
          : `${member.email} (${member.role}) loses access to ${org} at once. Their account, and their other organizations, stay.`}
      </p>
      {member.role === 'owner' && myRole !== 'owner' && (
        <p className="muted">Only an owner can remove an owner.</p>
      )}
    </ConfirmAction>
  )
}

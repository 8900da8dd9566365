import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate } from '@tanstack/react-router'
import { useState } from 'react'
import { fjord, unwrap } from '../../api.ts'
import { meQuery } from '../../routes/root.tsx'
import { Field } from '../../ui/field.tsx'
import { PageHeader } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { AccountFrame } from './frame.tsx'
import { nameProblem } from './queries.ts'

/** `/orgs/new`: an organization of which the caller becomes the owner. */
export function NewOrgPage() {
  const { data: me } = useQuery(meQuery)
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const [displayName, setDisplayName] = useState('')
  const invalid = nameProblem(name)
  const { error, busy, onSubmit } = useSubmit(async () => {
    const org = await unwrap(
      fjord.POST('/v1/orgs', {
        body: { name, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) },
      }),
    )
    // The org switcher lists the memberships of `me`: it now has one more.
    await queryClient.invalidateQueries({ queryKey: meQuery.queryKey })
    await navigate({ to: '/orgs/$org/clusters', params: { org: org.name } })
  })
  const first = me && me.memberships.length === 0
  return (
    <AccountFrame>
      <PageHeader breadcrumbs={<Link to="/account">Account</Link>} title="New organization" />
      {first && (
        <p className="note info">
          You are in no organization yet. Create one here, or open the invitation link a colleague
          sent you to join theirs.
        </p>
      )}
      <form className="card form" onSubmit={onSubmit}>
        <p className="muted">
          An organization holds clusters, members and API keys; you become its owner. It starts on
          the free plan.
        </p>
        <Field
          label="Name"
          hint="Its short name, in URLs and Kafka prefixes: e.g. acme"
          path="name"
          error={error}
          invalid={invalid}
        >
          <input
            required
            minLength={2}
            maxLength={40}
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value.toLowerCase())}
          />
        </Field>
        <Field
          label="Display name"
          hint="Optional: how people see it, e.g. Acme Corporation"
          path="displayName"
          error={error}
        >
          <input
            maxLength={200}
            autoComplete="organization"
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
          />
        </Field>
        <ProblemNote error={error} shownFields={['name', 'displayName']} />
        <div>
          <button type="submit" className="primary" disabled={busy || Boolean(invalid)}>
            Create organization
          </button>
        </div>
      </form>
    </AccountFrame>
  )
}

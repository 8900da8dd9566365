import { useInfiniteQuery } from '@tanstack/react-query'
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router'
import { useState } from 'react'
import { ActionButton } from '../../ui/button.tsx'
import { Dialog } from '../../ui/dialog.tsx'
import { Field } from '../../ui/field.tsx'
import { StatusBadge } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, Loading, ShowMore } from '../../ui/states.tsx'
import { notation } from './acls.ts'
import {
  accountsQuery,
  createAccount,
  operations,
  type ServiceAccount,
  settledOrNot,
} from './queries.ts'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/service-accounts')

/** The cluster's service accounts (Kafka logins) with their ACLs and live status. */
export function ServiceAccountsPage() {
  const { org, cluster } = route.useParams()
  const [creating, setCreating] = useState(false)
  const query = useInfiniteQuery({
    ...accountsQuery(org, cluster),
    refetchInterval: (q) => {
      const phases = q.state.data?.pages.flatMap((p) => p.items.map((a) => a.status.phase))
      return Math.min(30_000, ...(phases ?? []).map(settledOrNot))
    },
  })
  const accounts = query.data?.pages.flatMap((page) => page.items) ?? []

  return (
    <section className="stack" aria-labelledby="accounts-title">
      <div className="row sa-spread sa-title">
        <h2 id="accounts-title">Service accounts</h2>
        <ActionButton
          org={org}
          operation={operations.create}
          className="primary"
          onClick={() => setCreating(true)}
        >
          New service account
        </ActionButton>
      </div>
      {query.isPending ? (
        <Loading what="service accounts" />
      ) : query.error && accounts.length === 0 ? (
        <ProblemNote error={query.error} />
      ) : accounts.length === 0 ? (
        <Empty>
          <strong>No service accounts yet.</strong>
          <p>
            A service account is the login of an application to Kafka: its ACLs say which topics and
            groups it may use, and its credential is the username and password the application
            connects with.
          </p>
        </Empty>
      ) : (
        <>
          <AccountTable org={org} cluster={cluster} accounts={accounts} />
          <ShowMore query={query} what="service accounts" />
        </>
      )}
      <CreateDialog org={org} cluster={cluster} open={creating} onOpenChange={setCreating} />
    </section>
  )
}

function AccountTable({
  org,
  cluster,
  accounts,
}: {
  org: string
  cluster: string
  accounts: ServiceAccount[]
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Service accounts</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Principal</th>
            <th scope="col">ACLs</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <tr key={account.name} data-testid={`account-${account.name}`}>
              <td>
                <Link
                  to="/orgs/$org/clusters/$cluster/service-accounts/$serviceAccount"
                  params={{ org, cluster, serviceAccount: account.name }}
                >
                  {account.name}
                </Link>
              </td>
              <td>
                <StatusBadge status={account.status.phase} />
              </td>
              <td className="mono">{account.principal}</td>
              <td>
                {account.acls.length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  <ul className="sa-notations">
                    {account.acls.map((acl) => (
                      <li key={notation(acl)}>
                        <code>{notation(acl)}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td>{account.description || <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const namePattern = /^[a-z][a-z0-9-]*[a-z0-9]$/

function CreateDialog({
  org,
  cluster,
  open,
  onOpenChange,
}: {
  org: string
  cluster: string
  open: boolean
  onOpenChange: (open: boolean) => void
}) {
  const navigate = useNavigate()
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const nameInvalid =
    name && (!namePattern.test(name) || name.length > 40)
      ? '2 to 40 lowercase letters, digits and dashes; starts with a letter, ends with a letter or digit'
      : undefined
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="New service account"
      description="A Kafka login for one application. Give it ACLs and a credential next."
    >
      <form
        className="form"
        onSubmit={async (event) => {
          event.preventDefault()
          setBusy(true)
          setError(undefined)
          try {
            const created = await createAccount(org, cluster, { name, description })
            onOpenChange(false)
            await navigate({
              to: '/orgs/$org/clusters/$cluster/service-accounts/$serviceAccount',
              params: { org, cluster, serviceAccount: created.name },
            })
          } catch (problem) {
            setError(problem)
          } finally {
            setBusy(false)
          }
        }}
      >
        <Field
          label="Name"
          hint="Its Kafka username is the cluster's prefix and this name"
          path="name"
          error={error}
          invalid={nameInvalid}
        >
          <input
            required
            autoComplete="off"
            spellCheck={false}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field label="Description" hint="Optional" path="description" error={error}>
          <textarea
            rows={2}
            maxLength={500}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </Field>
        <ProblemNote error={error} shownFields={['name', 'description']} />
        <div className="row">
          <ActionButton
            org={org}
            operation={operations.create}
            type="submit"
            className="primary"
            disabled={busy || !name || Boolean(nameInvalid)}
          >
            {busy ? 'Creating…' : 'Create service account'}
          </ActionButton>
          <button type="button" onClick={() => onOpenChange(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  )
}

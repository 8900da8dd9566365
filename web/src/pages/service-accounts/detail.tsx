import { useQuery, useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router'
import { useState } from 'react'
import { FjordProblem, fjord, unwrap } from '../../api.ts'
import { clusterQuery } from '../../routes/org.tsx'
import { ActionButton } from '../../ui/button.tsx'
import { ConfirmDelete } from '../../ui/dialog.tsx'
import { NotFound } from '../../ui/not-found.tsx'
import { StatusBadge } from '../../ui/page.tsx'
import { ProblemNote, problemOf } from '../../ui/problem.tsx'
import { Loading, PartialNote, StaleNote } from '../../ui/states.tsx'
import { AclEditor } from './acl-editor.tsx'
import { Credentials } from './credentials.tsx'
import {
  accountQuery,
  accountsKey,
  deleteAccount,
  operations,
  type ServiceAccount,
  settledOrNot,
} from './queries.ts'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/service-accounts/$serviceAccount')

/** The cluster's topic names, for the ACL editor to suggest. */
const topicNamesQuery = (org: string, cluster: string) => ({
  queryKey: ['orgs', org, 'clusters', cluster, 'topics', 'names'],
  queryFn: async () => {
    const page = await unwrap(
      fjord.GET('/v1/orgs/{org}/clusters/{cluster}/topics', {
        params: { path: { org, cluster }, query: { limit: 500 } },
      }),
    )
    return page.items.map((topic) => topic.name)
  },
  staleTime: 60_000,
})

/** One service account: its ACLs, its credential, and its deletion. */
export function ServiceAccountPage() {
  const path = route.useParams()
  const { org, cluster, serviceAccount: name } = path
  const query = useQuery({
    ...accountQuery(path),
    refetchInterval: (q) => settledOrNot(q.state.data?.account.status.phase),
  })
  const { data: shownCluster } = useQuery(clusterQuery(org, cluster))
  const topics = useQuery(topicNamesQuery(org, cluster))

  if (query.error instanceof FjordProblem && query.error.status === 404) return <NotFound />
  const account = query.data?.account
  return (
    <section className="stack sa-page" aria-labelledby="account-title">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/orgs/$org/clusters/$cluster/service-accounts" params={{ org, cluster }}>
          Service accounts
        </Link>
      </nav>
      <div className="row sa-title">
        <h2 id="account-title">{name}</h2>
        {account && <StatusBadge status={account.status.phase} />}
      </div>
      {query.isPending || !shownCluster ? (
        <Loading what="the service account" />
      ) : !account ? (
        <ProblemNote error={query.error} />
      ) : (
        <>
          <StaleNote error={query.error} what="what shows" />
          <Facts account={account} />
          {topics.error && (
            <PartialNote>
              The cluster's topics could not be listed, so names are not suggested:{' '}
              {problemOf(topics.error).detail}
            </PartialNote>
          )}
          <AclEditor
            path={path}
            acls={account.acls}
            etag={query.data?.etag}
            prefix={shownCluster.kafkaPrefix}
            topics={topics.data ?? []}
          />
          <Credentials path={path} />
          <DangerZone account={account} />
        </>
      )}
    </section>
  )
}

function Facts({ account }: { account: ServiceAccount }) {
  const problem = account.status.conditions.find((c) => c.status === 'False' && c.message)
  return (
    <>
      <dl className="sa-facts card">
        <div>
          <dt>Principal</dt>
          <dd className="mono">{account.principal}</dd>
        </div>
        <div>
          <dt>Description</dt>
          <dd>{account.description || <span className="muted">none</span>}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{new Date(account.createdAt).toLocaleString()}</dd>
        </div>
      </dl>
      {account.status.phase === 'Failed' && problem && (
        <div className="note error" role="alert">
          <strong>Kafka did not take this account ({problem.reason})</strong>
          {problem.message}
        </div>
      )}
      {account.status.phase === 'Deleting' && (
        <p className="note warn">This service account is being deleted with its credential.</p>
      )}
    </>
  )
}

function DangerZone({ account }: { account: ServiceAccount }) {
  const { org, cluster } = route.useParams()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const [open, setOpen] = useState(false)
  return (
    <section aria-labelledby="danger-title" className="stack">
      <h3 id="danger-title">Delete</h3>
      <div className="row">
        <ActionButton
          org={org}
          operation={operations.delete}
          className="danger"
          disabled={account.status.phase === 'Deleting'}
          onClick={() => setOpen(true)}
        >
          Delete service account
        </ActionButton>
      </div>
      <ConfirmDelete
        open={open}
        onOpenChange={setOpen}
        kind="service account"
        name={account.name}
        consequence={`Its ACLs and its credential go: applications logging in as ${account.principal.replace(/^User:/, '')} stop working.`}
        onConfirm={async () => {
          await deleteAccount({ org, cluster, serviceAccount: account.name })
          await queryClient.invalidateQueries({ queryKey: accountsKey(org, cluster) })
          await navigate({
            to: '/orgs/$org/clusters/$cluster/service-accounts',
            params: { org, cluster },
          })
        }}
      />
    </section>
  )
}

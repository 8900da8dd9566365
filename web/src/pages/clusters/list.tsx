import { useQuery } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { useState } from 'react'
import { ActionButton } from '../../ui/button.tsx'
import { PageHeader, StatusBadge } from '../../ui/page.tsx'
import { Empty, QueryState } from '../../ui/states.tsx'
import { CreateClusterDialog } from './create.tsx'
import { type Cluster, clusterOperations, clustersQuery, liveIntervalMs } from './queries.ts'

const route = getRouteApi('/app/orgs/$org/clusters')

const settled = (cluster: Cluster) => ['Ready', 'Failed'].includes(cluster.status.phase)

/** The org's clusters with their live status, and making one. */
export function ClustersPage() {
  const { org } = route.useParams()
  const [creating, setCreating] = useState(false)
  const query = useQuery({
    ...clustersQuery(org),
    // Live while any cluster provisions, changes or goes away.
    refetchInterval: (q) => (q.state.data?.items.every(settled) ? 30_000 : liveIntervalMs),
  })
  const create = (label: string) => (
    <ActionButton
      org={org}
      operation={clusterOperations.create}
      className="primary"
      onClick={() => setCreating(true)}
    >
      {label}
    </ActionButton>
  )
  return (
    <div className="stack">
      <PageHeader title="Clusters">{create('Create cluster')}</PageHeader>
      <QueryState query={query} what="clusters">
        {({ items, nextCursor }) =>
          items.length === 0 ? (
            <Empty>
              <div className="stack clusters-empty">
                <strong>No cluster yet</strong>
                <span>
                  A cluster is where your topics live. A shared one is ready in seconds and is
                  included in the free plan.
                </span>
                <div>{create('Create your first cluster')}</div>
              </div>
            </Empty>
          ) : (
            <>
              <ClusterTable org={org} clusters={items} />
              {nextCursor && (
                <p className="muted">The first {items.length} clusters by name are shown.</p>
              )}
            </>
          )
        }
      </QueryState>
      <CreateClusterDialog org={org} open={creating} onOpenChange={setCreating} />
    </div>
  )
}

function ClusterTable({ org, clusters }: { org: string; clusters: Cluster[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="Clusters">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Type</th>
            <th scope="col">Region</th>
            <th scope="col">Bootstrap servers</th>
          </tr>
        </thead>
        <tbody>
          {clusters.map((cluster) => (
            <tr key={cluster.name}>
              <td>
                <Link
                  to="/orgs/$org/clusters/$cluster"
                  params={{ org, cluster: cluster.name }}
                  className="strong-link"
                >
                  {cluster.name}
                </Link>
                {cluster.description && (
                  <div className="muted cluster-description">{cluster.description}</div>
                )}
              </td>
              <td>
                <StatusBadge status={cluster.status.phase} />
              </td>
              <td>{cluster.type === 'shared' ? 'Shared' : `Dedicated (${cluster.provider})`}</td>
              <td>{cluster.region}</td>
              <td>
                {cluster.bootstrapServers ? (
                  <code>{cluster.bootstrapServers}</code>
                ) : (
                  <span className="muted">not yet</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

import { useQuery } from '@tanstack/react-query'
import { Link, Outlet, useParams } from '@tanstack/react-router'
import { clusterQuery } from '../routes/org.tsx'
import { PageHeader, StatusBadge } from '../ui/page.tsx'

/** One cluster: its name and live status, and a tab per part of it. */
export function ClusterLayout() {
  const { org, cluster } = useParams({ from: '/app/orgs/$org/clusters/$cluster' })
  const { data } = useQuery({
    ...clusterQuery(org, cluster),
    // Live status while it provisions.
    refetchInterval: (query) => (query.state.data?.status.phase === 'Ready' ? 30_000 : 2_000),
  })
  const params = { org, cluster }
  return (
    <>
      <PageHeader
        breadcrumbs={
          <Link to="/orgs/$org/clusters" params={{ org }}>
            Clusters
          </Link>
        }
        title={
          <span className="row">
            {cluster} {data && <StatusBadge status={data.status.phase} />}
          </span>
        }
      />
      <nav className="tabs" aria-label="Cluster">
        <Link to="/orgs/$org/clusters/$cluster" params={params} activeOptions={{ exact: true }}>
          Overview
        </Link>
        <Link to="/orgs/$org/clusters/$cluster/topics" params={params}>
          Topics
        </Link>
        <Link to="/orgs/$org/clusters/$cluster/groups" params={params}>
          Consumer groups
        </Link>
        <Link to="/orgs/$org/clusters/$cluster/service-accounts" params={params}>
          Service accounts
        </Link>
      </nav>
      <Outlet />
    </>
  )
}

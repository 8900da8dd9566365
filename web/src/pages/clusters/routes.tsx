import { createRoute } from '@tanstack/react-router'
import { clusterRoute, orgRoute } from '../../routes/org.tsx'
import { ClustersPage } from './list.tsx'
import { ClusterOverview } from './overview.tsx'
import './clusters.css'

// Creating a cluster is a dialog on the list, not `clusters/new`: "new" is a cluster name.
const clustersRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'clusters',
  component: ClustersPage,
})

export const clusterListRoutes = [clustersRoute]

const clusterOverviewRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: '/',
  component: ClusterOverview,
})

export const clusterOverviewRoutes = [clusterOverviewRoute]

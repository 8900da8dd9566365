import { createRoute, lazyRouteComponent } from '@tanstack/react-router'
import { clusterRoute, orgRoute } from '../../routes/org.tsx'
import './clusters.css'

// Creating a cluster is a dialog on the list, not `clusters/new`: "new" is a cluster name.
const clustersRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'clusters',
  component: lazyRouteComponent(() => import('./list.tsx'), 'ClustersPage'),
})

export const clusterListRoutes = [clustersRoute]

const clusterOverviewRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: '/',
  component: lazyRouteComponent(() => import('./overview.tsx'), 'ClusterOverview'),
})

export const clusterOverviewRoutes = [clusterOverviewRoute]

import { createRoute } from '@tanstack/react-router'
import { clusterRoute, orgRoute } from '../../routes/org.tsx'
import { Placeholder } from '../../ui/placeholder.tsx'

const clustersRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'clusters',
  component: () => <Placeholder title="Clusters" />,
})

export const clusterListRoutes = [clustersRoute]

const clusterOverviewRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: '/',
  component: () => <Placeholder title="Overview" />,
})

export const clusterOverviewRoutes = [clusterOverviewRoute]

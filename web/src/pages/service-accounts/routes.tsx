import { createRoute, lazyRouteComponent } from '@tanstack/react-router'
import { clusterRoute } from '../../routes/org.tsx'
import './service-accounts.css'

const serviceAccountsRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'service-accounts',
  component: lazyRouteComponent(() => import('./list.tsx'), 'ServiceAccountsPage'),
})

const serviceAccountRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'service-accounts/$serviceAccount',
  component: lazyRouteComponent(() => import('./detail.tsx'), 'ServiceAccountPage'),
})

export const serviceAccountRoutes = [serviceAccountsRoute, serviceAccountRoute]

import { createRoute } from '@tanstack/react-router'
import { clusterRoute } from '../../routes/org.tsx'
import { ServiceAccountPage } from './detail.tsx'
import { ServiceAccountsPage } from './list.tsx'
import './service-accounts.css'

const serviceAccountsRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'service-accounts',
  component: ServiceAccountsPage,
})

const serviceAccountRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'service-accounts/$serviceAccount',
  component: ServiceAccountPage,
})

export const serviceAccountRoutes = [serviceAccountsRoute, serviceAccountRoute]

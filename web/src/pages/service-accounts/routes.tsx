import { createRoute } from '@tanstack/react-router'
import { clusterRoute } from '../../routes/org.tsx'
import { Placeholder } from '../../ui/placeholder.tsx'

const serviceAccountsRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'service-accounts',
  component: () => <Placeholder title="Service accounts" />,
})

const serviceAccountRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'service-accounts/$serviceAccount',
  component: () => <Placeholder title="Service account" />,
})

export const serviceAccountRoutes = [serviceAccountsRoute, serviceAccountRoute]

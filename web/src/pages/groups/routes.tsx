import { createRoute } from '@tanstack/react-router'
import { clusterRoute } from '../../routes/org.tsx'
import { Placeholder } from '../../ui/placeholder.tsx'

const groupsRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'groups',
  component: () => <Placeholder title="Consumer groups" />,
})

const groupRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'groups/$group',
  component: () => <Placeholder title="Consumer group" />,
})

export const groupRoutes = [groupsRoute, groupRoute]

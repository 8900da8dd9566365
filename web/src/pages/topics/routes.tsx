import { createRoute } from '@tanstack/react-router'
import { clusterRoute } from '../../routes/org.tsx'
import { Placeholder } from '../../ui/placeholder.tsx'

const topicsRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'topics',
  component: () => <Placeholder title="Topics" />,
})

const topicRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'topics/$topic',
  component: () => <Placeholder title="Topic" />,
})

export const topicRoutes = [topicsRoute, topicRoute]

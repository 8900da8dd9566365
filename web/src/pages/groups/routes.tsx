import { createRoute, lazyRouteComponent } from '@tanstack/react-router'
import { clusterRoute } from '../../routes/org.tsx'
import './groups.css'

interface GroupsSearch {
  /** Only the groups that committed offsets on this topic (the topic page links here). */
  topic?: string
}

const groupsRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'groups',
  validateSearch: (search: Record<string, unknown>): GroupsSearch =>
    typeof search.topic === 'string' && search.topic ? { topic: search.topic } : {},
  component: lazyRouteComponent(() => import('./list.tsx'), 'GroupsPage'),
})

const groupRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'groups/$group',
  component: lazyRouteComponent(() => import('./detail.tsx'), 'GroupPage'),
})

export const groupRoutes = [groupsRoute, groupRoute]

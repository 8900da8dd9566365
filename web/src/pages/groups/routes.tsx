import { createRoute } from '@tanstack/react-router'
import { clusterRoute } from '../../routes/org.tsx'
import { GroupPage } from './detail.tsx'
import { GroupsPage } from './list.tsx'
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
  component: GroupsPage,
})

const groupRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'groups/$group',
  component: GroupPage,
})

export const groupRoutes = [groupsRoute, groupRoute]

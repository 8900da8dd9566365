import { createRoute, lazyRouteComponent } from '@tanstack/react-router'
import { clusterRoute, notFoundOn404 } from '../../routes/org.tsx'
import { topicQuery, topicsQuery } from './queries.ts'
import { type SortKey, sortKeys } from './table.ts'
import './topics.css'

interface TopicsSearch {
  /** The search box. */
  q?: string
  sort?: SortKey
  desc?: boolean
  /** The create form instead of the list, from a preset if one is named. */
  create?: boolean
  preset?: string
}

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined)
const flag = (value: unknown) => (value === true || value === 'true' ? true : undefined)

/** `topics?q=orders&sort=partitions&desc=true`: a link keeps the list as it was shown. */
function topicsSearch(search: Record<string, unknown>): TopicsSearch {
  const sort = sortKeys.find((key) => key !== 'name' && key === search.sort)
  return {
    q: text(search.q),
    sort,
    desc: flag(search.desc),
    create: flag(search.create),
    preset: text(search.preset),
  }
}

// Creating lives at `topics?create=true` rather than `topics/new`: "new" is a topic name.
const topicsRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'topics',
  validateSearch: topicsSearch,
  // Not awaited: the page shows at once, and its first rows as soon as they come.
  loader: ({ context, params }) => {
    void context.queryClient.prefetchQuery(topicsQuery(params.org, params.cluster))
  },
  // Each page is a chunk of its own, loaded beside the route's data rather than by every page.
  component: lazyRouteComponent(() => import('./topics-page.tsx'), 'Topics'),
})

const topicRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'topics/$topic',
  validateSearch: (search: Record<string, unknown>): { edit?: boolean } => ({
    edit: flag(search.edit),
  }),
  loader: ({ context, params }) =>
    context.queryClient
      .ensureQueryData(topicQuery(params.org, params.cluster, params.topic))
      .catch(notFoundOn404),
  component: lazyRouteComponent(() => import('./detail.tsx'), 'TopicPage'),
})

export const topicRoutes = [topicsRoute, topicRoute]

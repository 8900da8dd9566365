import { QueryClient } from '@tanstack/react-query'
import { createRouter } from '@tanstack/react-router'
import { homeRoute, loginRoute, signupRoute } from './auth/routes.tsx'
import { accountRoutes, memberRoutes } from './pages/account/routes.tsx'
import { clusterListRoutes, clusterOverviewRoutes } from './pages/clusters/routes.tsx'
import { groupRoutes } from './pages/groups/routes.tsx'
import { insightRoutes } from './pages/insights/routes.tsx'
import { messageRoutes } from './pages/messages/routes.tsx'
import { serviceAccountRoutes } from './pages/service-accounts/routes.tsx'
import { topicRoutes } from './pages/topics/routes.tsx'
import { clusterRoute, orgIndexRoute, orgRoute } from './routes/org.tsx'
import { appRoute, rootRoute } from './routes/root.tsx'
import { NotFound } from './ui/not-found.tsx'

// Each area of the console declares its routes in pages/<area>/routes.tsx; this is the tree.
const routeTree = rootRoute.addChildren([
  loginRoute,
  signupRoute,
  appRoute.addChildren([
    homeRoute,
    ...accountRoutes,
    orgRoute.addChildren([
      orgIndexRoute,
      ...memberRoutes,
      ...insightRoutes,
      ...clusterListRoutes,
      clusterRoute.addChildren([
        ...clusterOverviewRoutes,
        ...topicRoutes,
        ...messageRoutes,
        ...groupRoutes,
        ...serviceAccountRoutes,
      ]),
    ]),
  ]),
])

export function newRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    defaultPreloadStaleTime: 0,
    defaultNotFoundComponent: NotFound,
    scrollRestoration: true,
  })
}

export function newQueryClient() {
  return new QueryClient({
    defaultOptions: { queries: { staleTime: 5_000, retry: false, refetchOnWindowFocus: true } },
  })
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof newRouter>
  }
}

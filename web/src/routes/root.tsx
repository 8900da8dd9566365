import type { QueryClient } from '@tanstack/react-query'
import { createRootRouteWithContext, createRoute, Outlet, redirect } from '@tanstack/react-router'
import { FjordProblem, fjord, unwrap } from '../api.ts'
import { NotFound } from '../ui/not-found.tsx'

export interface RouterContext {
  queryClient: QueryClient
}

export const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFound,
})

export const meQuery = {
  queryKey: ['me'],
  queryFn: () => unwrap(fjord.GET('/v1/me')),
  staleTime: 30_000,
} as const

/** Everything behind sign-in: no session sends the user to the login page, and back after. */
export const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: async ({ context, location }) => {
    try {
      const me = await context.queryClient.ensureQueryData(meQuery)
      return { me }
    } catch (error) {
      if (error instanceof FjordProblem && error.status === 401) {
        throw redirect({ to: '/login', search: { next: location.href } })
      }
      throw error
    }
  },
  component: Outlet,
})

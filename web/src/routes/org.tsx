import { createRoute, notFound, redirect } from '@tanstack/react-router'
import { FjordProblem, fjord, unwrap } from '../api.ts'
import { permissionsQuery } from '../permissions.tsx'
import { ClusterLayout } from '../shell/cluster-layout.tsx'
import { Shell } from '../shell/shell.tsx'
import { appRoute } from './root.tsx'

/** A 404 of the API (another org's resource, or none) is the console's "not found". */
export function notFoundOn404(error: unknown): never {
  if (error instanceof FjordProblem && error.status === 404) throw notFound()
  throw error
}

export const orgQuery = (org: string) => ({
  queryKey: ['orgs', org],
  queryFn: () => unwrap(fjord.GET('/v1/orgs/{org}', { params: { path: { org } } })),
})

/** `/orgs/$org/…`: the shell with the org's navigation; an org the caller is not in is 404. */
export const orgRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'orgs/$org',
  loader: async ({ context, params }) => {
    const [org] = await Promise.all([
      context.queryClient.ensureQueryData(orgQuery(params.org)),
      context.queryClient.ensureQueryData(permissionsQuery(params.org)),
    ]).catch(notFoundOn404)
    return { org }
  },
  component: Shell,
})

export const orgIndexRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: '/',
  beforeLoad: ({ params }) => {
    throw redirect({ to: '/orgs/$org/clusters', params })
  },
})

export const clusterQuery = (org: string, cluster: string) => ({
  queryKey: ['orgs', org, 'clusters', cluster],
  queryFn: () =>
    unwrap(fjord.GET('/v1/orgs/{org}/clusters/{cluster}', { params: { path: { org, cluster } } })),
})

/** `/orgs/$org/clusters/$cluster/…`: one cluster, with its tabs. */
export const clusterRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'clusters/$cluster',
  loader: ({ context, params }) =>
    context.queryClient
      .ensureQueryData(clusterQuery(params.org, params.cluster))
      .catch(notFoundOn404),
  component: ClusterLayout,
})

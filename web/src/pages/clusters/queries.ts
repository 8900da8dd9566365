import { queryOptions } from '@tanstack/react-query'
import { fjord, type Schemas, unwrap } from '../../api.ts'

export type Cluster = Schemas['Cluster']
export type Quotas = Schemas['Quotas']

export const clustersQuery = (org: string) =>
  queryOptions({
    queryKey: ['orgs', org, 'clusters'],
    // One page of the most a plan allows (10 clusters) and then some; more would say so.
    queryFn: () =>
      unwrap(
        fjord.GET('/v1/orgs/{org}/clusters', { params: { path: { org }, query: { limit: 100 } } }),
      ),
  })

/** The plan's limits and the org's use of them. */
export const quotasQuery = (org: string) =>
  queryOptions({
    queryKey: ['orgs', org, 'quotas'],
    queryFn: () => unwrap(fjord.GET('/v1/orgs/{org}/quotas', { params: { path: { org } } })),
  })

/** While a cluster provisions or goes away, its status is asked for this often. */
export const liveIntervalMs = 2_000

export const clusterOperations = {
  create: 'POST /v1/orgs/{org}/clusters',
  remove: 'DELETE /v1/orgs/{org}/clusters/{cluster}',
} as const

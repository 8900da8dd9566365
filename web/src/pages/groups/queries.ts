import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query'
import { fjord, type Schemas, unwrap } from '../../api.ts'

export type GroupSummary = Schemas['ConsumerGroupSummary']
export type Group = Schemas['ConsumerGroup']
export type ResetOffsets = Schemas['ResetOffsets']
export type OffsetReset = Schemas['OffsetReset']

/** Lag moves while consumers run: lists and details refetch this often. */
export const liveIntervalMs = 5_000

const groupsKey = (org: string, cluster: string) => ['orgs', org, 'clusters', cluster, 'groups']

/** The cluster's groups, page by page (by name), optionally only those reading `topic`. */
export const groupsQuery = (org: string, cluster: string, topic?: string) =>
  infiniteQueryOptions({
    queryKey: [...groupsKey(org, cluster), { topic }],
    queryFn: ({ pageParam }) =>
      unwrap(
        fjord.GET('/v1/orgs/{org}/clusters/{cluster}/groups', {
          params: {
            path: { org, cluster },
            query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}), topic },
          },
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  })

export const groupQuery = (org: string, cluster: string, group: string) =>
  queryOptions({
    queryKey: [...groupsKey(org, cluster), group],
    queryFn: () =>
      unwrap(
        fjord.GET('/v1/orgs/{org}/clusters/{cluster}/groups/{group}', {
          params: { path: { org, cluster, group } },
        }),
      ),
  })

/** A reset of the group's offsets, or with `dryRun` where they would go. */
export function resetOffsets(
  path: { org: string; cluster: string; group: string },
  body: ResetOffsets,
): Promise<OffsetReset> {
  return unwrap(
    fjord.POST('/v1/orgs/{org}/clusters/{cluster}/groups/{group}/reset-offsets', {
      params: { path },
      body,
    }),
  )
}

export const resetOperation =
  'POST /v1/orgs/{org}/clusters/{cluster}/groups/{group}/reset-offsets' as const

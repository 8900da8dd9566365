import { keepPreviousData, queryOptions } from '@tanstack/react-query'
import { fjord, unwrap } from '../../api.ts'
import { bucketed, type UsageWindow, usageRange } from './series.ts'

/** Metering samples every minute or so; the pages follow it without a reload. */
export const meteringIntervalMs = 60_000

export const quotasQuery = (org: string) =>
  queryOptions({
    queryKey: ['orgs', org, 'quotas'],
    queryFn: () => unwrap(fjord.GET('/v1/orgs/{org}/quotas', { params: { path: { org } } })),
    refetchInterval: meteringIntervalMs,
  })

export interface UsageSelection {
  window: UsageWindow
  cluster?: string | undefined
  topic?: string | undefined
}

/** The usage of the org, a cluster or a topic over a window, one point per bucket. */
export const usageQuery = (org: string, { window, cluster, topic }: UsageSelection) =>
  queryOptions({
    queryKey: ['orgs', org, 'usage', { window, cluster, topic }],
    queryFn: async () => {
      const range = usageRange(window, new Date())
      const answer = await unwrap(
        fjord.GET('/v1/orgs/{org}/usage', {
          params: {
            path: { org },
            query: {
              from: range.from.toISOString(),
              to: range.to.toISOString(),
              granularity: range.granularity,
              ...(cluster ? { cluster } : {}),
              ...(cluster && topic ? { topic } : {}),
            },
          },
        }),
      )
      return { range, series: bucketed(answer.points, range), points: answer.points.length }
    },
    refetchInterval: meteringIntervalMs,
    // The charts stay while the next window loads, rather than blinking to "Loading".
    placeholderData: keepPreviousData,
  })

const pickerLimit = 500

/** The clusters to pick from (the first 500: more than any plan allows). */
export const clusterNamesQuery = (org: string) =>
  queryOptions({
    queryKey: ['orgs', org, 'clusters', 'names'],
    queryFn: async () => {
      const page = await unwrap(
        fjord.GET('/v1/orgs/{org}/clusters', {
          params: { path: { org }, query: { limit: pickerLimit } },
        }),
      )
      return page.items.map((cluster) => cluster.name)
    },
  })

/** The topics of a cluster to pick from: the first 500 by name, and whether there are more. */
export const topicNamesQuery = (org: string, cluster: string) =>
  queryOptions({
    queryKey: ['orgs', org, 'clusters', cluster, 'topics', 'names'],
    queryFn: async () => {
      const page = await unwrap(
        fjord.GET('/v1/orgs/{org}/clusters/{cluster}/topics', {
          params: { path: { org, cluster }, query: { limit: pickerLimit } },
        }),
      )
      return { names: page.items.map((topic) => topic.name), more: page.nextCursor !== null }
    },
  })

export interface AuditFilters {
  action?: string | undefined
  targetType?: string | undefined
  cursor?: string | undefined
  limit: number
}

export const auditEventsQuery = (
  org: string,
  { action, targetType, cursor, limit }: AuditFilters,
) =>
  queryOptions({
    queryKey: ['orgs', org, 'audit-events', { action, targetType, cursor, limit }],
    queryFn: () =>
      unwrap(
        fjord.GET('/v1/orgs/{org}/audit-events', {
          params: {
            path: { org },
            query: {
              limit,
              ...(action ? { action } : {}),
              ...(targetType ? { targetType } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  })

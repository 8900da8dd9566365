import { queryOptions } from '@tanstack/react-query'
import { FjordProblem, fjord, type Schemas, unwrap } from '../../api.ts'

export type Topic = Schemas['Topic']
export type TopicPreset = Schemas['TopicPreset']
export type TopicPlan = Schemas['TopicPlan']

export const topicsKey = (org: string, cluster: string) =>
  ['orgs', org, 'clusters', cluster, 'topics'] as const

// Pages as large as the API serves them, one right after the other (each cursor is in the
// page before). While they come, the first page shows at once and what is read so far at most
// once a second after: drawing the table between pages would slow the loading down.
const pageSize = 500
const publishEveryMs = 1_000

/** A cluster's topics; `complete` once every page is in. */
export interface TopicList {
  items: Topic[]
  complete: boolean
}

/** The topics read so far while a cluster's list loads for the first time. */
export const loadingTopicsKey = (org: string, cluster: string) =>
  [...topicsKey(org, cluster), { loading: true }] as const

type TopicPage = { items: Topic[]; nextCursor: string | null }

/**
 * Every topic of the cluster, by name, in one query that reads page after page. On a first
 * load the pages read so far go under `loadingTopicsKey`, for the table to show while the rest
 * come; the query itself answers
 * only the whole list, so a refetch never shows a list shrunk to its first page.
 */
export const topicsQuery = (org: string, cluster: string) =>
  queryOptions({
    queryKey: topicsKey(org, cluster),
    queryFn: async ({ client, queryKey, signal }): Promise<TopicList> => {
      const progressive = client.getQueryData(queryKey) === undefined
      const items: Topic[] = []
      let cursor: string | null = null
      let published = Number.NEGATIVE_INFINITY
      do {
        const page: TopicPage = await unwrap(
          fjord.GET('/v1/orgs/{org}/clusters/{cluster}/topics', {
            params: {
              path: { org, cluster },
              query: { limit: pageSize, ...(cursor ? { cursor } : {}) },
            },
            signal,
          }),
        )
        items.push(...page.items)
        cursor = page.nextCursor
        if (cursor && progressive && performance.now() - published >= publishEveryMs) {
          client.setQueryData<TopicList>(loadingTopicsKey(org, cluster), {
            items: [...items],
            complete: false,
          })
          published = performance.now()
        }
      } while (cursor)
      if (progressive) client.removeQueries({ queryKey: loadingTopicsKey(org, cluster) })
      return { items, complete: true }
    },
  })

/** A topic with the ETag of the version read, for a write under If-Match. */
export interface Versioned<T> {
  value: T
  etag: string | undefined
}

export const topicQuery = (org: string, cluster: string, topic: string) =>
  queryOptions({
    queryKey: [...topicsKey(org, cluster), topic],
    queryFn: async (): Promise<Versioned<Topic>> => {
      const answer = fjord.GET('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
        params: { path: { org, cluster, topic } },
      })
      const value = await unwrap(answer)
      return { value, etag: (await answer).response.headers.get('etag') ?? undefined }
    },
  })

export const presetsQuery = queryOptions({
  queryKey: ['topic-presets'],
  queryFn: () => unwrap(fjord.GET('/v1/topic-presets')),
  staleTime: Number.POSITIVE_INFINITY,
})

/** The consumer groups that committed offsets on the topic: one page, the first 100 by name. */
export const topicGroupsQuery = (org: string, cluster: string, topic: string) =>
  queryOptions({
    queryKey: [...topicsKey(org, cluster), topic, 'groups'],
    queryFn: () =>
      unwrap(
        fjord.GET('/v1/orgs/{org}/clusters/{cluster}/groups', {
          params: { path: { org, cluster }, query: { topic, limit: 100 } },
        }),
      ),
    refetchInterval: 10_000,
  })

export type TopicInput = Schemas['CreateTopic']

/**
 * What creating `topic` would do, without doing it: the bulk apply's dry run with this one
 * topic (no prune, so no other topic is touched) checks the name against the cluster prefix,
 * Kafka's rules and the quota. Field errors come back as the create form names them.
 */
export async function dryRunCreate(
  path: { org: string; cluster: string },
  topic: TopicInput,
): Promise<TopicPlan> {
  try {
    return await unwrap(
      fjord.PUT('/v1/orgs/{org}/clusters/{cluster}/topics', {
        params: { path, query: { dryRun: 'true' } },
        body: { topics: [topic] },
      }),
    )
  } catch (error) {
    throw asSingleTopicProblem(error, topic.name)
  }
}

/** A bulk apply's problem about its one topic (`topics.0.name`), as a form of one names it. */
export function asSingleTopicProblem(error: unknown, name: string): unknown {
  if (!(error instanceof FjordProblem) || !error.problem.errors) return error
  const prefixes = ['topics.0.', `topics.${name}.`]
  const errors = error.problem.errors.map((e) => {
    if (e.path === `topics.${name}`) return { ...e, path: 'name' }
    const prefix = prefixes.find((p) => e.path.startsWith(p))
    return prefix ? { ...e, path: e.path.slice(prefix.length) } : e
  })
  return new FjordProblem({ ...error.problem, errors })
}

export const operations = {
  create: 'POST /v1/orgs/{org}/clusters/{cluster}/topics',
  edit: 'PATCH /v1/orgs/{org}/clusters/{cluster}/topics/{topic}',
  remove: 'DELETE /v1/orgs/{org}/clusters/{cluster}/topics/{topic}',
} as const

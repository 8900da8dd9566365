import { FjordProblem, type Problem, unwrap } from '@fjord/client'
import { allPages } from '../commands/pages.ts'
import type { Context } from '../context.ts'
import { CliError, problemError } from '../errors.ts'
import {
  type Cluster,
  type ClusterState,
  live,
  type OrgState,
  type PlannedChange,
  type ServiceAccount,
  type Topic,
  type TopicPlan,
} from './diff.ts'
import type { DeclaredCluster, DeclaredTopic, ParsedFile } from './file.ts'

// What a plan reads of the API: every cluster, and of each cluster the file lists its topics'
// dry run (one bulk request, however many topics), its topics and its service accounts, all
// at once. Nothing here writes.

/** The most a list route answers in one page, so 500 topics are one request. */
const pageSize = 500

export async function readOrgState(
  ctx: Context,
  org: string,
  parsed: ParsedFile,
  prune: boolean,
): Promise<OrgState> {
  const clusters = await listClusters(ctx, org)
  const byName = new Map(clusters.map((cluster) => [cluster.name, cluster]))
  const declared = new Map<string, ClusterState>()
  const reads = parsed.file.clusters.map(async (cluster) => {
    const current = byName.get(cluster.name)
    if (!current || !live(current)) return
    const [topicPlan, topics, serviceAccounts] = await Promise.all([
      dryRunTopics(ctx, org, cluster, prune, parsed),
      listTopics(ctx, org, cluster.name),
      listServiceAccounts(ctx, org, cluster.name),
    ])
    declared.set(cluster.name, { cluster: current, topicPlan, topics, serviceAccounts })
  })
  const contents = new Map<string, { topics: number; serviceAccounts: number }>()
  if (prune) {
    const listed = new Set(parsed.file.clusters.map((cluster) => cluster.name))
    const pruned = clusters.filter((cluster) => live(cluster) && !listed.has(cluster.name))
    for (const cluster of pruned) {
      reads.push(
        (async () => {
          const [topics, accounts] = await Promise.all([
            listTopics(ctx, org, cluster.name),
            listServiceAccounts(ctx, org, cluster.name),
          ])
          contents.set(cluster.name, {
            topics: topics.filter(live).length,
            serviceAccounts: accounts.filter(live).length,
          })
        })(),
      )
    }
  }
  await Promise.all(reads)
  return { org, clusters, declared, contents }
}

export function listClusters(ctx: Context, org: string): Promise<Cluster[]> {
  return allPages((cursor) =>
    ctx.call(
      ctx.client().GET('/v1/orgs/{org}/clusters', {
        params: { path: { org }, query: { cursor, limit: pageSize } },
      }),
    ),
  )
}

export function listTopics(ctx: Context, org: string, cluster: string): Promise<Topic[]> {
  return allPages((cursor) =>
    ctx.call(
      ctx.client().GET('/v1/orgs/{org}/clusters/{cluster}/topics', {
        params: { path: { org, cluster }, query: { cursor, limit: pageSize } },
      }),
    ),
  )
}

export function listServiceAccounts(
  ctx: Context,
  org: string,
  cluster: string,
): Promise<ServiceAccount[]> {
  return allPages((cursor) =>
    ctx.call(
      ctx.client().GET('/v1/orgs/{org}/clusters/{cluster}/service-accounts', {
        params: { path: { org, cluster }, query: { cursor, limit: pageSize } },
      }),
    ),
  )
}

/** The API's bulk route for a cluster's topics: with `dryRun`, the plan and nothing written. */
export async function putTopics(
  ctx: Context,
  org: string,
  cluster: DeclaredCluster,
  options: { prune: boolean; dryRun: boolean },
  parsed: ParsedFile,
): Promise<TopicPlan> {
  try {
    return await unwrap(
      ctx.client().PUT('/v1/orgs/{org}/clusters/{cluster}/topics', {
        params: {
          path: { org, cluster: cluster.name },
          query: { prune: flag(options.prune), dryRun: flag(options.dryRun) },
        },
        body: { topics: cluster.topics.map(topicBody) },
      }),
    )
  } catch (error) {
    if (error instanceof FjordProblem) throw topicsRefused(error.problem, cluster, parsed)
    throw error
  }
}

const flag = (value: boolean) => (value ? 'true' : 'false')

const dryRunTopics = (
  ctx: Context,
  org: string,
  cluster: DeclaredCluster,
  prune: boolean,
  parsed: ParsedFile,
) => putTopics(ctx, org, cluster, { prune, dryRun: true }, parsed)

function topicBody(topic: DeclaredTopic) {
  return {
    name: topic.name,
    partitions: topic.partitions,
    ...(topic.replicationFactor !== undefined && { replicationFactor: topic.replicationFactor }),
    config: topic.config,
  }
}

/**
 * The API's refusal of a cluster's topics, its field errors pointed at the file: the API names
 * a topic by its place in the list (`topics.3.config.x`) or by name (`topics.orders.partitions`).
 */
export function topicsRefused(
  problem: Problem,
  cluster: DeclaredCluster,
  parsed: ParsedFile,
): CliError {
  const errors = (problem.errors ?? []).map((error) => ({
    ...error,
    path: topicPath(error.path, cluster, parsed),
  }))
  const refused = problemError({ ...problem, errors })
  return new CliError(`cluster ${cluster.name}: ${refused.message}`, {
    exitCode: refused.exitCode,
    details: refused.details,
    suggestion: refused.suggestion,
  })
}

function topicPath(path: string, cluster: DeclaredCluster, parsed: ParsedFile): string {
  const byIndex = /^topics\.(\d+)(?:\.(.*))?$/.exec(path)
  let topic = byIndex ? cluster.topics[Number(byIndex[1])] : undefined
  let rest = byIndex?.[2]
  if (!topic) {
    topic = cluster.topics.find(
      (t) => path === `topics.${t.name}` || path.startsWith(`topics.${t.name}.`),
    )
    rest = topic && path.slice(`topics.${topic.name}.`.length)
  }
  if (!topic) return path
  return `${parsed.where(topic)} topic ${topic.name}${rest ? ` ${rest}` : ''}`
}

/**
 * One quota check of everything the plan adds, new clusters and their topics included, before
 * anything is written; only when it adds something.
 */
export async function assertPlanFits(
  ctx: Context,
  org: string,
  change: PlannedChange,
): Promise<void> {
  const grows =
    (change.clusters ?? 0) > 0 ||
    (change.topics ?? 0) > 0 ||
    (change.partitions ?? 0) > 0 ||
    change.retentionMs !== undefined
  if (!grows) return
  const verdict = await ctx.call(
    ctx.client().POST('/v1/orgs/{org}/quotas/check', { params: { path: { org } }, body: change }),
  )
  if (verdict.fits) return
  throw new CliError(`the file does not fit the quota of org ${org} (quota_exceeded)`, {
    details: verdict.violations.map((v) =>
      v.limit === 'maxRetentionMs'
        ? `maxRetentionMs: a topic asks for ${v.requested}; the most allowed is ${v.maximum}`
        : `${v.limit}: ${v.current} in use, ${v.requested} more asked for, ${v.maximum} allowed`,
    ),
    suggestion: 'raise the quota (a platform admin can) or declare less',
  })
}

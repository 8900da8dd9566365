import type { Context } from '../context.ts'
import { CliError } from '../errors.ts'
import {
  type Cluster,
  type ClusterSpec,
  type Planned,
  type ServiceAccount,
  type ServiceAccountSpec,
  type TopicPlan,
  topicGrowth,
} from './diff.ts'
import type { ParsedFile } from './file.ts'
import { addressOf, type PlanEntry } from './plan.ts'
import { putTopics } from './remote.ts'

// The writes of an apply, once its plan passed every dry run and the quota check. They go from
// the least to the most destructive: clusters, service accounts, each cluster's topics in one
// bulk request, then deletions, so that a failure part way has destroyed nothing.

export async function applyPlan(ctx: Context, planned: Planned, parsed: ParsedFile): Promise<void> {
  const { entries } = planned.plan
  const org = planned.plan.org
  let done = 0
  const step = async (count: number, write: () => Promise<void>) => {
    await write()
    done += count
  }
  try {
    const writes = entries.filter((entry) => entry.action !== 'delete')
    for (const entry of writes.filter((e) => e.kind === 'cluster'))
      await step(1, () => putCluster(ctx, org, planned, entry))
    for (const entry of writes.filter((e) => e.kind === 'serviceAccount'))
      await step(1, () => putServiceAccount(ctx, org, planned, entry))
    // A cluster that frees room goes first, so that the quota holds at every step.
    const clusters = [...planned.topics.keys()].sort(
      (a, b) => topicGrowth(entries, a) - topicGrowth(entries, b),
    )
    for (const name of clusters) {
      const count = entries.filter((e) => e.kind === 'topic' && e.cluster === name).length
      await step(count, () => applyTopics(ctx, planned, parsed, name))
    }
    const deletes = entries.filter((entry) => entry.action === 'delete')
    for (const kind of ['serviceAccount', 'cluster'] as const) {
      for (const entry of deletes.filter((e) => e.kind === kind))
        await step(1, () => deleteItem(ctx, org, planned, entry))
    }
  } catch (error) {
    if (done > 0) {
      ctx.output.warn(
        `${done} of ${entries.length} changes were applied before this error; fix it and run fjord apply again for the rest`,
      )
    }
    throw error
  }
}

async function putCluster(ctx: Context, org: string, planned: Planned, entry: PlanEntry) {
  const ifMatch = await guard(ctx, org, planned, entry)
  await ctx.call(
    ctx.client().PUT('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: { org, cluster: entry.name }, header: ifMatch },
      body: planned.bodies.get(entry) as ClusterSpec,
    }),
  )
  ctx.output.success(`${entry.action === 'create' ? 'Created' : 'Updated'} ${addressOf(entry)}`)
}

async function putServiceAccount(ctx: Context, org: string, planned: Planned, entry: PlanEntry) {
  const ifMatch = await guard(ctx, org, planned, entry)
  await ctx.call(
    ctx.client().PUT('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
      params: {
        path: { org, cluster: entry.cluster ?? '', serviceAccount: entry.name },
        header: ifMatch,
      },
      body: planned.bodies.get(entry) as ServiceAccountSpec,
    }),
  )
  ctx.output.success(`${entry.action === 'create' ? 'Created' : 'Updated'} ${addressOf(entry)}`)
}

async function deleteItem(ctx: Context, org: string, planned: Planned, entry: PlanEntry) {
  const header = await guard(ctx, org, planned, entry)
  const client = ctx.client()
  if (entry.kind === 'cluster') {
    await ctx.call(
      client.DELETE('/v1/orgs/{org}/clusters/{cluster}', {
        params: { path: { org, cluster: entry.name }, header },
      }),
    )
  } else {
    await ctx.call(
      client.DELETE('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
        params: { path: { org, cluster: entry.cluster ?? '', serviceAccount: entry.name }, header },
      }),
    )
  }
  ctx.output.success(`Deleting ${addressOf(entry)}`)
}

/**
 * The If-Match of a write to what the plan read: the item is read again, and refused if its
 * spec changed since (its generation moved), else written only if it has not changed since
 * this read. The ETag covers the status too, so the plan's own read would fail on any change
 * of phase while the user read the plan; the generation moves with the spec only.
 */
async function guard(
  ctx: Context,
  org: string,
  planned: Planned,
  entry: PlanEntry,
): Promise<{ 'if-match': string } | undefined> {
  const read = planned.read.get(entry)
  if (!read) return undefined
  const client = ctx.client()
  const answer =
    entry.kind === 'cluster'
      ? await client.GET('/v1/orgs/{org}/clusters/{cluster}', {
          params: { path: { org, cluster: entry.name } },
        })
      : await client.GET('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
          params: { path: { org, cluster: entry.cluster ?? '', serviceAccount: entry.name } },
        })
  const now: Cluster | ServiceAccount = await ctx.call(Promise.resolve(answer))
  const etag = answer.response.headers.get('etag')
  if (now.id !== read.id || now.generation !== read.generation || !etag) {
    throw new CliError(`${addressOf(entry)} changed since the plan was made`, {
      suggestion: 'run fjord plan again to see the change, then apply',
    })
  }
  return { 'if-match': etag }
}

async function applyTopics(ctx: Context, planned: Planned, parsed: ParsedFile, name: string) {
  const cluster = parsed.file.clusters.find((c) => c.name === name)
  if (!cluster) return
  const { prune, org } = planned.plan
  const applied = await putTopics(ctx, org, cluster, { prune, dryRun: false }, parsed)
  const expected = planned.topicPlans.get(name)
  if (expected && changed(expected) !== changed(applied)) {
    ctx.output.warn(
      `the topics of cluster ${name} changed since the plan; the apply made them match the file all the same (${describe(applied)})`,
    )
  }
  ctx.output.success(`Applied the topics of cluster ${name} (${describe(applied)})`)
}

/** What a topic plan changes, to compare the dry run's with the apply's. */
const changed = (answer: TopicPlan) =>
  JSON.stringify(answer.plan.filter((topic) => topic.action !== 'unchanged'))

function describe(answer: TopicPlan): string {
  const { create, update, delete: deleted } = answer.summary
  return `${create} created, ${update} updated, ${deleted} deleted`
}

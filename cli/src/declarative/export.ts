import { Document, isCollection, isScalar, isSeq, visit } from 'yaml'
import type { Context } from '../context.ts'
import { type Cluster, live, type ServiceAccount, type Topic } from './diff.ts'
import type { DeclaredCluster, DeclaredFile } from './file.ts'
import { listClusters, listServiceAccounts, listTopics } from './remote.ts'

// `fjord export`: the org as a declarative file, so that a plan of it right after shows no
// changes. A topic's `config` in the API holds only what was set on it (the broker's defaults
// are not in it), so the file carries exactly what someone chose.

export interface ClusterContents {
  cluster: Cluster
  topics: Topic[]
  serviceAccounts: ServiceAccount[]
}

/** What the org holds: one cluster or all of them, each with its topics and service accounts. */
export async function readForExport(
  ctx: Context,
  org: string,
  only?: string,
): Promise<ClusterContents[]> {
  const client = ctx.client()
  const clusters = only
    ? [
        await ctx.call(
          client.GET('/v1/orgs/{org}/clusters/{cluster}', {
            params: { path: { org, cluster: only } },
          }),
        ),
      ]
    : await listClusters(ctx, org)
  return Promise.all(
    clusters.filter(live).map(async (cluster) => {
      const [topics, serviceAccounts] = await Promise.all([
        listTopics(ctx, org, cluster.name),
        listServiceAccounts(ctx, org, cluster.name),
      ])
      return { cluster, topics, serviceAccounts }
    }),
  )
}

/**
 * The file of what the org holds; what is being deleted is left out, and so is every field
 * at its default where the file would read the same without it.
 */
export function exportedFile(org: string, contents: readonly ClusterContents[]): DeclaredFile {
  return {
    org,
    clusters: contents.map(({ cluster, topics, serviceAccounts }) => {
      const declared: DeclaredCluster = {
        name: cluster.name,
        type: cluster.type,
        // A shared cluster's provider can only be `shared`.
        ...(cluster.type !== 'shared' && { provider: cluster.provider }),
        region: cluster.region,
        ...(cluster.description && { description: cluster.description }),
        topics: topics.filter(live).map((topic) => ({
          name: topic.name,
          partitions: topic.partitions,
          replicationFactor: topic.replicationFactor,
          config: topic.config,
        })),
        serviceAccounts: serviceAccounts.filter(live).map((account) => ({
          name: account.name,
          ...(account.description && { description: account.description }),
          acls: account.acls.map((acl) => ({
            resourceType: acl.resourceType,
            patternType: acl.patternType ?? 'literal',
            name: acl.name,
            operations: acl.operations,
          })),
        })),
      }
      return declared
    }),
  }
}

// Left out, they mean the same: no topics, no service accounts, no ACLs, no config.
const omittedWhenEmpty = ['topics', 'serviceAccounts', 'acls', 'config']

/** The file as YAML: empty lists and configs left out, ACL operations on one line. */
export function fileText(file: DeclaredFile, command: string): string {
  const doc = new Document(file)
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : undefined
      if (!isCollection(pair.value)) return
      if (pair.value.items.length === 0 && omittedWhenEmpty.includes(String(key)))
        return visit.REMOVE
      if (key === 'operations' && isSeq(pair.value)) pair.value.flow = true
    },
  })
  doc.commentBefore = ` Written by \`${command}\`; \`fjord plan -f <this file>\` shows what differs.`
  return doc.toString()
}

import type { components } from '@fjord/client/schema'
import { CliError } from '../errors.ts'
import type {
  Acl,
  DeclaredCluster,
  DeclaredServiceAccount,
  DeclaredTopic,
  ParsedFile,
} from './file.ts'
import type { FieldChange, Plan, PlanEntry, Unmanaged, Value } from './plan.ts'

// From the file and what the API answered to a plan and the work an apply does: pure, so the
// unit tests cover every case and `plan` and `apply` cannot disagree.

type Schemas = components['schemas']
export type Cluster = Schemas['Cluster']
export type Topic = Schemas['Topic']
export type ServiceAccount = Schemas['ServiceAccount']
export type TopicPlan = Schemas['TopicPlan']
export type ClusterSpec = Schemas['ClusterSpec']
export type ServiceAccountSpec = Schemas['ServiceAccountSpec']
export type PlannedChange = Schemas['PlannedChange']

/** What the API holds of one cluster the file lists and that exists. */
export interface ClusterState {
  cluster: Cluster
  /** The API's dry run of the file's topics for this cluster (with --prune if given). */
  topicPlan: TopicPlan
  topics: Topic[]
  serviceAccounts: ServiceAccount[]
}

/** What the API holds of the org, as far as the file concerns it. */
export interface OrgState {
  org: string
  clusters: Cluster[]
  /** Each cluster of the file that exists and is not being deleted. */
  declared: Map<string, ClusterState>
  /** With --prune: what each cluster the file does not list holds, deleted with it. */
  contents: Map<string, { topics: number; serviceAccounts: number }>
}

/** A plan, and what an apply sends to carry it out. */
export interface Planned {
  plan: Plan
  /** The body of the PUT of each cluster or service account created or updated. */
  bodies: Map<PlanEntry, ClusterSpec | ServiceAccountSpec>
  /** Each cluster or service account updated or deleted as the plan read it, to guard the write. */
  read: Map<PlanEntry, Cluster | ServiceAccount>
  /** The topic list of each cluster whose topics change, for its bulk apply. */
  topics: Map<string, DeclaredTopic[]>
  /** What each cluster's topic dry run answered, to tell whether the apply did the same. */
  topicPlans: Map<string, TopicPlan>
  /** What the whole plan adds to the org's use, for one quota check of all of it. */
  quota: PlannedChange
}

/** Not being deleted: what is Deleting is neither declared again nor counted. */
export const live = (item: { status: { phase: string } }) => item.status.phase !== 'Deleting'

/**
 * The plan that makes the org match the file. Throws, listing every one, for what the API
 * would refuse and the file cannot ask: a cluster's type or region changed, or a cluster or
 * service account listed while it is being deleted.
 */
export function planOf(parsed: ParsedFile, state: OrgState, prune: boolean): Planned {
  const { file, where } = parsed
  const planned: Planned = {
    plan: { org: state.org, prune, entries: [], unchanged: 0, unmanaged: [] },
    bodies: new Map(),
    read: new Map(),
    topics: new Map(),
    topicPlans: new Map(),
    quota: {},
  }
  const { plan } = planned
  const problems: string[] = []
  const clusters = new Map(state.clusters.map((cluster) => [cluster.name, cluster]))
  const add = (entry: PlanEntry, options: { body?: ClusterSpec | ServiceAccountSpec } = {}) => {
    plan.entries.push(entry)
    if (options.body) planned.bodies.set(entry, options.body)
    return entry
  }

  for (const declared of [...file.clusters].sort(byName)) {
    const current = clusters.get(declared.name)
    if (current && !live(current)) {
      problems.push(
        `${where(declared)}: cluster ${declared.name} is being deleted; wait until it is gone to declare it again`,
      )
      continue
    }
    const cluster = clusterChange(declared, current)
    problems.push(...cluster.problems.map((problem) => `${where(declared)}: ${problem}`))
    if (cluster.entry) {
      const entry = add(cluster.entry, { body: cluster.body })
      if (current) planned.read.set(entry, current)
    } else plan.unchanged += 1

    const inside = current && state.declared.get(declared.name)
    const topicEntries = inside
      ? existingTopicEntries(declared.name, inside.topicPlan)
      : newTopicEntries(declared.name, declared.topics)
    plan.entries.push(...topicEntries)
    if (inside) {
      plan.unchanged += inside.topicPlan.summary.unchanged
      planned.topicPlans.set(declared.name, inside.topicPlan)
      if (!prune) plan.unmanaged.push(...unlistedTopics(declared, inside.topics))
    }
    if (topicEntries.length > 0) planned.topics.set(declared.name, declared.topics)

    const accounts = inside ? inside.serviceAccounts : []
    const byAccountName = new Map(accounts.map((account) => [account.name, account]))
    for (const account of [...declared.serviceAccounts].sort(byName)) {
      const existing = byAccountName.get(account.name)
      if (existing && !live(existing)) {
        problems.push(
          `${where(account)}: service account ${declared.name}/${account.name} is being deleted; wait until it is gone to declare it again`,
        )
        continue
      }
      const change = serviceAccountChange(declared.name, account, existing)
      if (!change.entry) {
        plan.unchanged += 1
        continue
      }
      const entry = add(change.entry, { body: change.body })
      if (existing) planned.read.set(entry, existing)
    }
    const listed = new Set(declared.serviceAccounts.map((account) => account.name))
    for (const account of accounts.filter((a) => live(a) && !listed.has(a.name))) {
      const item = { kind: 'serviceAccount', cluster: declared.name, name: account.name } as const
      if (!prune) plan.unmanaged.push(item)
      else planned.read.set(add({ ...item, action: 'delete', changes: [] }), account)
    }
  }

  const declaredNames = new Set(file.clusters.map((cluster) => cluster.name))
  for (const cluster of state.clusters.filter((c) => live(c) && !declaredNames.has(c.name))) {
    const item = { kind: 'cluster', cluster: null, name: cluster.name } as const
    if (!prune) {
      plan.unmanaged.push(item)
      continue
    }
    const contents = state.contents.get(cluster.name)
    const changes: FieldChange[] = contents
      ? [
          { field: 'topics', from: contents.topics, to: null },
          { field: 'serviceAccounts', from: contents.serviceAccounts, to: null },
        ]
      : []
    planned.read.set(add({ ...item, action: 'delete', changes }), cluster)
  }

  if (problems.length > 0) {
    throw new CliError('the file asks for what the API would refuse', {
      details: problems,
      suggestion: 'change the file, or delete and recreate what cannot change in place',
    })
  }
  planned.quota = quotaChangeOf(plan.entries, state.declared)
  return planned
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)

// Fixed at creation: the API refuses to change them (docs/api.md, "Clusters").
const immutableClusterFields = ['type', 'provider', 'region'] as const

/**
 * A cluster's entry: a field the file leaves out keeps its value (or takes the API's default
 * for a new cluster), since the PUT replaces the whole spec.
 */
export function clusterChange(
  declared: DeclaredCluster,
  current: Cluster | undefined,
): { entry?: PlanEntry; body: ClusterSpec; problems: string[] } {
  const given: ClusterSpec = {
    ...(declared.type && { type: declared.type }),
    ...(declared.provider && { provider: declared.provider }),
    ...(declared.region && { region: declared.region }),
    ...(declared.description !== undefined && { description: declared.description }),
  }
  const base = { kind: 'cluster', cluster: null, name: declared.name } as const
  if (!current) {
    const changes = Object.entries(given).map(([field, to]) => ({ field, from: null, to }))
    return { entry: { ...base, action: 'create', changes }, body: given, problems: [] }
  }
  const body: Required<ClusterSpec> = {
    type: current.type,
    provider: current.provider,
    region: current.region,
    description: current.description,
    ...given,
  }
  const changes = (Object.keys(body) as (keyof ClusterSpec)[])
    .filter((field) => body[field] !== current[field])
    .map((field) => ({ field, from: current[field], to: body[field] }))
  const problems = changes
    .filter((change) => (immutableClusterFields as readonly string[]).includes(change.field))
    .map(
      (change) =>
        `cluster ${declared.name}: ${change.field} cannot change after creation (${change.from} → ${change.to})`,
    )
  return {
    ...(changes.length > 0 && { entry: { ...base, action: 'update', changes } }),
    body,
    problems,
  }
}

/**
 * A service account's entry: its ACLs compared as Kafka holds them, a set of bindings, so
 * neither the order of the list nor of the operations is a change.
 */
export function serviceAccountChange(
  cluster: string,
  declared: DeclaredServiceAccount,
  current: ServiceAccount | undefined,
): { entry?: PlanEntry; body: ServiceAccountSpec } {
  const description = declared.description ?? current?.description ?? ''
  const body = { description, acls: declared.acls }
  const changes: FieldChange[] = []
  const was = current?.description ?? ''
  if (description !== was) {
    changes.push({ field: 'description', from: current ? was : null, to: description })
  }
  const before = aclBindings(current?.acls ?? [])
  const after = aclBindings(declared.acls)
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const was = before.get(key) ?? null
    const is = after.get(key) ?? null
    if (was !== is) changes.push({ field: `acls[${key}]`, from: was, to: is })
  }
  const base = { kind: 'serviceAccount', cluster, name: declared.name } as const
  if (!current) return { entry: { ...base, action: 'create', changes }, body }
  return { ...(changes.length > 0 && { entry: { ...base, action: 'update', changes } }), body }
}

/** ACLs as `resourceType:patternType:name` → its operations, sorted and comma-separated. */
export function aclBindings(acls: readonly Acl[]): Map<string, string> {
  const operations = new Map<string, Set<string>>()
  for (const acl of acls) {
    const key = `${acl.resourceType}:${acl.patternType ?? 'literal'}:${acl.name}`
    const set = operations.get(key) ?? new Set()
    for (const operation of acl.operations) set.add(operation)
    operations.set(key, set)
  }
  return new Map([...operations].map(([key, set]) => [key, [...set].sort().join(',')]))
}

/** The topic entries of a cluster that exists, from the API's dry run. */
export function existingTopicEntries(cluster: string, answer: TopicPlan): PlanEntry[] {
  return answer.plan.flatMap((topic) => {
    if (topic.action === 'unchanged') return []
    // The API diffs a new topic from zero partitions; a plan shows it as added fields.
    const changes =
      topic.action === 'create'
        ? topic.changes.map((change) => ({ ...change, from: null }))
        : topic.changes
    return [{ kind: 'topic', cluster, name: topic.name, action: topic.action, changes }]
  })
}

/**
 * The topic entries of a cluster the apply creates: all new, their configs as the Kafka
 * strings the API will keep.
 */
export function newTopicEntries(cluster: string, topics: readonly DeclaredTopic[]): PlanEntry[] {
  return [...topics].sort(byName).map((topic) => {
    const changes: FieldChange[] = [{ field: 'partitions', from: null, to: topic.partitions }]
    if (topic.replicationFactor !== undefined) {
      changes.push({ field: 'replicationFactor', from: null, to: topic.replicationFactor })
    }
    for (const key of Object.keys(topic.config).sort()) {
      changes.push({ field: `config.${key}`, from: null, to: String(topic.config[key]) })
    }
    return { kind: 'topic', cluster, name: topic.name, action: 'create', changes }
  })
}

function unlistedTopics(declared: DeclaredCluster, topics: readonly Topic[]): Unmanaged[] {
  const listed = new Set(declared.topics.map((topic) => topic.name))
  return topics
    .filter((topic) => live(topic) && !listed.has(topic.name))
    .map((topic) => ({ kind: 'topic', cluster: declared.name, name: topic.name }))
}

const numberOf = (value: Value): number => (typeof value === 'number' ? value : Number(value ?? 0))

/**
 * What the plan adds to the org's use, counted as the API counts it (docs/api.md, "Quotas"):
 * each cluster's dry run checks that cluster alone, so this checks the sum, new clusters
 * and their topics included. A deleted cluster frees nothing until it is gone.
 */
export function quotaChangeOf(
  entries: readonly PlanEntry[],
  declared: ReadonlyMap<string, ClusterState>,
): PlannedChange {
  const change = { clusters: 0, topics: 0, partitions: 0 }
  let retentionMs: number | undefined
  for (const entry of entries) {
    if (entry.kind === 'cluster' && entry.action === 'create') change.clusters += 1
    if (entry.kind !== 'topic') continue
    const partitions = entry.changes.find((c) => c.field === 'partitions')
    if (entry.action === 'delete') {
      const topic = declared.get(entry.cluster ?? '')?.topics.find((t) => t.name === entry.name)
      change.topics -= 1
      change.partitions -= topic?.partitions ?? 0
      continue
    }
    if (entry.action === 'create') change.topics += 1
    if (partitions) change.partitions += numberOf(partitions.to) - numberOf(partitions.from)
    const retention = entry.changes.find((c) => c.field === 'config.retention.ms')?.to
    if (retention === undefined || retention === null) continue
    const asked = Number(retention)
    if (!Number.isInteger(asked)) continue
    retentionMs = retentionMs === -1 || asked === -1 ? -1 : Math.max(retentionMs ?? asked, asked)
  }
  return { ...change, ...(retentionMs !== undefined && { retentionMs }) }
}

/** How many topics a cluster's entries add, less those they delete. */
export function topicGrowth(entries: readonly PlanEntry[], cluster: string): number {
  const growth = { create: 1, update: 0, delete: -1 }
  return entries
    .filter((entry) => entry.kind === 'topic' && entry.cluster === cluster)
    .reduce((sum, entry) => sum + growth[entry.action], 0)
}

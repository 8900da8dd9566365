import type { FieldError } from '../errors.ts'

export interface TopicSpec {
  partitions: number
  replicationFactor: number
  config: Record<string, string>
}

export interface ExistingTopic extends TopicSpec {
  name: string
  deleting: boolean
}

export type TopicAction = 'create' | 'update' | 'delete' | 'unchanged'

export interface FieldChange {
  field: string
  from: string | number | null
  to: string | number | null
}

export interface TopicPlanEntry {
  name: string
  action: TopicAction
  changes: FieldChange[]
}

export interface TopicPlan {
  entries: TopicPlanEntry[]
  errors: FieldError[]
}

/** What differs between two specs, field by field (config key by config key). */
export function diffTopicSpec(from: TopicSpec, to: TopicSpec): FieldChange[] {
  const changes: FieldChange[] = []
  if (from.partitions !== to.partitions) {
    changes.push({ field: 'partitions', from: from.partitions, to: to.partitions })
  }
  if (from.replicationFactor !== to.replicationFactor) {
    changes.push({
      field: 'replicationFactor',
      from: from.replicationFactor,
      to: to.replicationFactor,
    })
  }
  const keys = new Set([...Object.keys(from.config), ...Object.keys(to.config)])
  for (const key of [...keys].sort()) {
    const before = from.config[key] ?? null
    const after = to.config[key] ?? null
    if (before !== after) changes.push({ field: `config.${key}`, from: before, to: after })
  }
  return changes
}

/** Kafka can add partitions but never remove them, and cannot change replication in place. */
export function updateErrors(from: TopicSpec, to: TopicSpec, path = ''): FieldError[] {
  const errors: FieldError[] = []
  if (to.partitions < from.partitions) {
    errors.push({
      path: `${path}partitions`,
      message: `cannot decrease from ${from.partitions} to ${to.partitions}; Kafka only adds partitions`,
    })
  }
  if (to.replicationFactor !== from.replicationFactor) {
    errors.push({
      path: `${path}replicationFactor`,
      message: `cannot change from ${from.replicationFactor}; recreate the topic instead`,
    })
  }
  return errors
}

/**
 * The plan that turns the actual topics of a cluster into the desired list: pure, so the
 * dry run, the apply and the tests all see the same answer.
 */
export function planTopics(
  desired: ReadonlyMap<string, TopicSpec>,
  actual: readonly ExistingTopic[],
  prune: boolean,
): TopicPlan {
  const entries: TopicPlanEntry[] = []
  const errors: FieldError[] = []
  const actualByName = new Map(actual.map((topic) => [topic.name, topic]))
  for (const [name, spec] of desired) {
    const current = actualByName.get(name)
    if (!current) {
      entries.push({ name, action: 'create', changes: diffTopicSpec(emptySpec, spec) })
      continue
    }
    if (current.deleting) {
      errors.push({
        path: `topics.${name}`,
        message: 'is being deleted; wait before recreating it',
      })
      continue
    }
    errors.push(...updateErrors(current, spec, `topics.${name}.`))
    const changes = diffTopicSpec(current, spec)
    entries.push({ name, action: changes.length > 0 ? 'update' : 'unchanged', changes })
  }
  if (prune) {
    for (const topic of actual) {
      if (desired.has(topic.name) || topic.deleting) continue
      entries.push({ name: topic.name, action: 'delete', changes: [] })
    }
  }
  entries.sort((a, b) => a.name.localeCompare(b.name))
  return { entries, errors }
}

const emptySpec: TopicSpec = { partitions: 0, replicationFactor: 0, config: {} }

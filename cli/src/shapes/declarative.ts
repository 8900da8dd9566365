import {
  type FieldChange,
  type Plan,
  type PlanEntry,
  type Summary,
  summaryOf,
  type Unmanaged,
} from '../declarative/plan.ts'
import type { Shape } from '../output.ts'

// The JSON and YAML of `fjord plan -o json` and `fjord apply -o json`: a script reads what a
// plan would change from here, so these fields are a contract, snapshot-tested beside.

/** Every field of a shape, in its order: for the items nested in a plan. */
function whole<T>(shape: Shape<T>, item: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(shape.fields).map(([field, of]) => [field, of(item)]))
}

export const fieldChangeShape: Shape<FieldChange> = {
  fields: {
    field: (change) => change.field,
    from: (change) => change.from,
    to: (change) => change.to,
  },
  columns: ['field', 'from', 'to'],
}

export const planEntryShape: Shape<PlanEntry> = {
  fields: {
    action: (entry) => entry.action,
    kind: (entry) => entry.kind,
    cluster: (entry) => entry.cluster,
    name: (entry) => entry.name,
    changes: (entry) => entry.changes.map((change) => whole(fieldChangeShape, change)),
  },
  columns: ['action', 'kind', 'cluster', 'name'],
}

export const unmanagedShape: Shape<Unmanaged> = {
  fields: {
    kind: (item) => item.kind,
    cluster: (item) => item.cluster,
    name: (item) => item.name,
  },
  columns: ['kind', 'cluster', 'name'],
}

export const summaryShape: Shape<Summary> = {
  fields: {
    add: (summary) => summary.add,
    change: (summary) => summary.change,
    destroy: (summary) => summary.destroy,
    unchanged: (summary) => summary.unchanged,
  },
  columns: ['add', 'change', 'destroy', 'unchanged'],
}

export const planShape: Shape<Plan> = {
  fields: {
    org: (plan) => plan.org,
    prune: (plan) => plan.prune,
    summary: (plan) => whole(summaryShape, summaryOf(plan)),
    changes: (plan) => plan.entries.map((entry) => whole(planEntryShape, entry)),
    unmanaged: (plan) => plan.unmanaged.map((item) => whole(unmanagedShape, item)),
  },
  columns: ['org', 'summary'],
}

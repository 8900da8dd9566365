import {
  type Action,
  addressOf,
  type FieldChange,
  type Plan,
  type PlanEntry,
  summaryOf,
  type Unmanaged,
  type Value,
} from './plan.ts'

/** Colours a piece of text (or not, off a terminal). */
export type Paint = (style: 'green' | 'yellow' | 'red' | 'bold', text: string) => string

const signs: Record<Action, { sign: string; style: 'green' | 'yellow' | 'red' }> = {
  create: { sign: '+', style: 'green' },
  update: { sign: '~', style: 'yellow' },
  delete: { sign: '-', style: 'red' },
}

/** A plan as terraform shows one: `+` create, `~` update field by field, `-` delete. */
export function renderPlan(plan: Plan, paint: Paint): string {
  const lines: string[] = []
  if (plan.entries.length === 0) {
    lines.push(`No changes: org ${plan.org} matches the file.`)
  } else {
    lines.push(`fjord will make these changes in org ${plan.org}:`, '')
    for (const entry of plan.entries) lines.push(...renderEntry(entry, paint), '')
    lines.push(paint('bold', summaryLine(plan)))
  }
  const unmanaged = unmanagedLine(plan.unmanaged)
  if (unmanaged) lines.push(unmanaged)
  return `${lines.join('\n')}\n`
}

/** `Plan: 2 to add, 1 to change, 0 to destroy.` */
export function summaryLine(plan: Plan): string {
  const { add, change, destroy } = summaryOf(plan)
  return `Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`
}

function renderEntry(entry: PlanEntry, paint: Paint): string[] {
  const { sign, style } = signs[entry.action]
  const header = `  ${paint(style, sign)} ${addressOf(entry)}`
  if (entry.action === 'delete') {
    // A cluster takes its topics and service accounts with it: say how many.
    const contents = entry.changes.flatMap((change) =>
      typeof change.from === 'number' ? [counted(change.from, change.field)] : [],
    )
    return [contents.length > 0 ? `${header} (with its ${contents.join(' and ')})` : header]
  }
  const width = Math.max(0, ...entry.changes.map((change) => change.field.length))
  return [header, ...entry.changes.map((change) => `      ${renderChange(change, width, paint)}`)]
}

function renderChange(change: FieldChange, width: number, paint: Paint): string {
  const field = `${change.field}:`.padEnd(width + 1)
  if (change.from === null) return `${paint('green', '+')} ${field} ${shown(change.to)}`
  if (change.to === null) return `${paint('red', '-')} ${field} ${shown(change.from)}`
  return `${paint('yellow', '~')} ${field} ${shown(change.from)} → ${shown(change.to)}`
}

/** A value as it reads best: plain, but quoted when empty or when spaces would hide. */
function shown(value: Value): string {
  if (typeof value === 'number') return String(value)
  const text = value ?? ''
  return text === '' || text.trim() !== text || /\s{2,}|\n/.test(text) ? JSON.stringify(text) : text
}

const nouns: Record<string, [string, string]> = {
  cluster: ['cluster', 'clusters'],
  topic: ['topic', 'topics'],
  topics: ['topic', 'topics'],
  serviceAccount: ['service account', 'service accounts'],
  serviceAccounts: ['service account', 'service accounts'],
}

/** `1 topic`, `2 service accounts`. */
function counted(count: number, noun: string): string {
  const [one, many] = nouns[noun] ?? [noun, noun]
  return `${count} ${count === 1 ? one : many}`
}

function unmanagedLine(unmanaged: readonly Unmanaged[]): string | undefined {
  if (unmanaged.length === 0) return undefined
  const kinds = ['cluster', 'topic', 'serviceAccount'] as const
  const what = kinds.flatMap((kind) => {
    const count = unmanaged.filter((item) => item.kind === kind).length
    return count === 0 ? [] : [counted(count, kind)]
  })
  return `Not in the file, so left as they are: ${what.join(', ')} (\`--prune\` deletes them).`
}

import type { Schemas } from '../../api.ts'

// The ACL editor's model, apart from React: rows as the user edits them, what the API takes,
// the checks it makes (mirrored so the form says them before a save), and intent shortcuts.

export type Acl = Schemas['Acl']
export type ResourceType = Acl['resourceType']
export type PatternType = NonNullable<Acl['patternType']>
export type Operation = Acl['operations'][number]

export const resourceTypes: readonly { value: ResourceType; label: string }[] = [
  { value: 'topic', label: 'Topic' },
  { value: 'group', label: 'Group' },
  { value: 'transactionalId', label: 'Transactional id' },
]

/** The operations Kafka's authorizer knows for each resource type, as the API accepts them. */
export const operationsByResource: Record<ResourceType, readonly Operation[]> = {
  topic: [
    'read',
    'write',
    'create',
    'delete',
    'alter',
    'describe',
    'describeConfigs',
    'alterConfigs',
    'all',
  ],
  group: ['read', 'describe', 'delete', 'all'],
  transactionalId: ['write', 'describe', 'all'],
}

export const operationLabels: Record<Operation, string> = {
  all: 'all',
  read: 'read',
  write: 'write',
  create: 'create',
  delete: 'delete',
  alter: 'alter',
  describe: 'describe',
  describeConfigs: 'describe configs',
  alterConfigs: 'alter configs',
}

/** One row of the editor; `key` keeps React's rows apart while names are being typed. */
export interface AclRow {
  key: string
  resourceType: ResourceType
  patternType: PatternType
  name: string
  operations: Operation[]
}

let nextKey = 0
const newKey = () => `acl-${++nextKey}`

export function rowsOf(acls: readonly Acl[]): AclRow[] {
  return acls.map((acl) => ({
    key: newKey(),
    resourceType: acl.resourceType,
    patternType: acl.patternType ?? 'literal',
    name: acl.name,
    operations: [...acl.operations],
  }))
}

export function emptyRow(): AclRow {
  return { key: newKey(), resourceType: 'topic', patternType: 'literal', name: '', operations: [] }
}

/** The ACLs a save sends: the rows in order (so `acls.<i>` in a problem is row i). */
export function aclsOf(rows: readonly AclRow[]): Acl[] {
  return rows.map(({ resourceType, patternType, name, operations }) => ({
    resourceType,
    patternType,
    name: name.trim(),
    operations: inOrder(resourceType, operations),
  }))
}

function inOrder(type: ResourceType, operations: readonly Operation[]): Operation[] {
  return operationsByResource[type].filter((op) => operations.includes(op))
}

/** A row with another resource type keeps only the operations that type has. */
export function withResourceType(row: AclRow, resourceType: ResourceType): AclRow {
  return { ...row, resourceType, operations: inOrder(resourceType, row.operations) }
}

/** Whether two lists of ACLs grant the same, whatever the order of rows and operations. */
export function sameAcls(one: readonly Acl[], other: readonly Acl[]): boolean {
  const canonical = (acls: readonly Acl[]) =>
    acls
      .map((acl) =>
        [
          acl.resourceType,
          acl.patternType ?? 'literal',
          acl.name,
          inOrder(acl.resourceType, acl.operations).join(','),
        ].join(':'),
      )
      .sort()
      .join('\n')
  return canonical(one) === canonical(other)
}

const legalName = /^[a-zA-Z0-9._-]+$/

/** What the API would refuse in a row, said before a save: by field. */
export function rowProblems(row: AclRow): { name?: string; operations?: string } {
  const name = row.name.trim()
  const problems: { name?: string; operations?: string } = {}
  if (!name) problems.name = 'Name the resource'
  else if (name.length > 249) problems.name = 'At most 249 characters'
  else if (!legalName.test(name))
    problems.name = 'Letters, digits, dots, dashes and underscores only; a prefix needs no *'
  if (row.operations.length === 0) problems.operations = 'Pick at least one operation'
  return problems
}

/** The name Kafka's ACL carries: the cluster's prefix and the name, `*` after a prefix. */
export function kafkaNameOf(prefix: string, row: Pick<AclRow, 'name' | 'patternType'>): string {
  return `${prefix}${row.name.trim()}${row.patternType === 'prefixed' ? '*' : ''}`
}

/** An ACL in the CLI's notation: `topic:orders:read,write`, `group:shop-*:read`. */
export function notation(acl: Acl): string {
  const type = acl.resourceType === 'transactionalId' ? 'transactional-id' : acl.resourceType
  const name = `${acl.name}${acl.patternType === 'prefixed' ? '*' : ''}`
  return `${type}:${name}:${acl.operations.join(',')}`
}

export const intents = ['producer', 'consumer', 'transactional'] as const
export type Intent = (typeof intents)[number]

export interface IntentForm {
  intent: Intent
  topic: string
  /** The topic is a prefix of the topics meant. */
  topicPrefixed: boolean
  group: string
  transactionalId: string
}

/** The ACLs a client that does `intent` needs, as kafka-ui's wizards give them. */
export function intentAcls(form: IntentForm): Acl[] {
  const topic = {
    resourceType: 'topic' as const,
    patternType: form.topicPrefixed ? ('prefixed' as const) : ('literal' as const),
    name: form.topic.trim(),
  }
  switch (form.intent) {
    case 'producer':
      return [{ ...topic, operations: ['write', 'describe'] }]
    case 'consumer':
      return [
        { ...topic, operations: ['read', 'describe'] },
        {
          resourceType: 'group',
          patternType: 'literal',
          name: form.group.trim(),
          operations: ['read'],
        },
      ]
    case 'transactional':
      return [
        { ...topic, operations: ['write', 'describe'] },
        {
          resourceType: 'transactionalId',
          patternType: 'literal',
          name: form.transactionalId.trim(),
          operations: ['write', 'describe'],
        },
      ]
  }
}

/**
 * The rows with `acls` granted too: an ACL on a target a row already has adds its
 * operations to that row; another becomes a new row.
 */
export function withAcls(rows: readonly AclRow[], acls: readonly Acl[]): AclRow[] {
  const result = [...rows]
  for (const acl of acls) {
    const pattern = acl.patternType ?? 'literal'
    const index = result.findIndex(
      (row) =>
        row.resourceType === acl.resourceType &&
        row.patternType === pattern &&
        row.name.trim() === acl.name,
    )
    const existing = result[index]
    if (existing) {
      const operations = inOrder(acl.resourceType, [...existing.operations, ...acl.operations])
      result[index] = { ...existing, operations }
    } else {
      result.push(...rowsOf([acl]))
    }
  }
  return result
}

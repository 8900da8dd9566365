import type { components } from '@fjord/client/schema'
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLMap,
} from 'yaml'
import { aclOperations } from '../commands/acls.ts'
import { CliError, exitCodes } from '../errors.ts'

// The declarative file: one org's clusters, their topics and their service accounts with
// ACLs. Its fields are the API's spec fields, so a reader of docs/api.md knows them already.
//
// The file is checked here against the API's published schema (names, enums, ranges), with
// line numbers, before anything is sent: the API has a dry run for topics only (the bulk
// route), so without this a cluster or service account the API refuses would be found only
// halfway through an apply. Topic configs are left to the API's dry run, which knows the
// broker's rules.

type Schemas = components['schemas']
export type Acl = Schemas['Acl']
type Operation = Acl['operations'][number]

export interface DeclaredTopic {
  name: string
  partitions: number
  /** Omitted: the cluster's default, as the API has it. */
  replicationFactor?: number
  config: Record<string, string | number | boolean>
}

export interface DeclaredServiceAccount {
  name: string
  /** Omitted: kept as it is (empty for a new one). */
  description?: string
  /** The complete list: an ACL not listed is removed. */
  acls: Required<Acl>[]
}

export interface DeclaredCluster {
  name: string
  // Omitted: kept as it is, or the API's default for a new cluster.
  type?: Schemas['ClusterSpec']['type']
  provider?: Schemas['ClusterSpec']['provider']
  region?: string
  description?: string
  /** The complete lists: with --prune, what the file does not list is deleted. */
  topics: DeclaredTopic[]
  serviceAccounts: DeclaredServiceAccount[]
}

export interface DeclaredFile {
  /** Omitted: --org, FJORD_ORG or the profile's. */
  org?: string
  clusters: DeclaredCluster[]
}

/** The file, and where each of its clusters, topics and service accounts stands in it. */
export interface ParsedFile {
  file: DeclaredFile
  /** `fjord.yaml:12` for an item of the file, to point at it in a later error. */
  where(item: object): string
}

// Completeness is checked by the compiler: a key of the union missing here is an error.
const byName = true

const clusterTypes: Record<NonNullable<DeclaredCluster['type']>, true> = {
  shared: true,
  dedicated: true,
}
const providers: Record<NonNullable<DeclaredCluster['provider']>, true> = {
  shared: true,
  kubernetes: true,
  'aws-msk': true,
}
const resourceTypes: Record<Acl['resourceType'], true> = {
  topic: true,
  group: true,
  transactionalId: true,
}
const patternTypes: Record<NonNullable<Acl['patternType']>, true> = {
  literal: true,
  prefixed: true,
}
// The operations Kafka's authorizer knows for each resource type, as the API checks them.
const operationsOf: Record<Acl['resourceType'], readonly Operation[]> = {
  topic: aclOperations,
  group: ['all', 'read', 'describe', 'delete'],
  transactionalId: ['all', 'write', 'describe'],
}

const resourceName = /^[a-z][a-z0-9-]*[a-z0-9]$/
const kafkaName = /^[a-zA-Z0-9._-]+$/

/** Thrown for a file that is not valid: a usage error (exit 2) listing every problem. */
function invalidFile(fileName: string, problems: string[]): CliError {
  return new CliError(`${fileName} is not a valid fjord file`, {
    exitCode: exitCodes.usage,
    details: problems,
    suggestion: 'see `fjord plan --help`, or `fjord export` for a file to start from',
  })
}

/** Parses and checks a declarative file; every problem is reported at once, with its line. */
export function parseDeclaredFile(text: string, fileName: string): ParsedFile {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false })
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset)
    return `${fileName}:${line}:${col}`
  }
  if (doc.errors.length > 0) {
    throw invalidFile(
      fileName,
      doc.errors.map((error) => `${at(error.pos[0])}: ${firstLine(error.message)}`),
    )
  }
  const reader = new Reader(doc, at)
  const file = reader.file(doc.contents)
  if (reader.problems.length > 0 || !file) throw invalidFile(fileName, reader.problems)
  return {
    file,
    where: (item) => {
      const offset = reader.offsets.get(item)
      return offset === undefined ? fileName : `${fileName}:${lines.linePos(offset).line}`
    },
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message
}

type Path = string

/**
 * Walks the YAML nodes, collecting problems with their positions instead of stopping. A key
 * that is missing is reported once, by `map`'s required keys: the value readers pass over it.
 */
class Reader {
  readonly problems: string[] = []
  readonly offsets = new WeakMap<object, number>()
  private readonly doc: Document
  private readonly at: (offset: number) => string

  constructor(doc: Document, at: (offset: number) => string) {
    this.doc = doc
    this.at = at
  }

  file(node: unknown): DeclaredFile | undefined {
    if (node === null || node === undefined) {
      this.problems.push('the file is empty: it needs `clusters:`, a list of clusters')
      return undefined
    }
    const fields = this.map(node, '(file)', ['org', 'clusters'], ['clusters'])
    if (!fields) return undefined
    const org = fields.org && this.string(fields.org, 'org', { pattern: resourceName, max: 40 })
    const clusters = this.list(
      fields.clusters,
      'clusters',
      (item, path) => this.cluster(item, path),
      byName,
    )
    this.unique(clusters, 'clusters', 'cluster')
    return { ...(org ? { org } : {}), clusters }
  }

  private cluster(node: Node, path: Path): DeclaredCluster | undefined {
    const fields = this.map(
      node,
      path,
      ['name', 'type', 'provider', 'region', 'description', 'topics', 'serviceAccounts'],
      ['name'],
    )
    if (!fields) return undefined
    const name = this.string(fields.name, `${path}.name`, { pattern: resourceName, max: 40 })
    const cluster: DeclaredCluster = { name: name ?? '', topics: [], serviceAccounts: [] }
    if (fields.type) cluster.type = this.oneOf(fields.type, `${path}.type`, clusterTypes)
    if (fields.provider)
      cluster.provider = this.oneOf(fields.provider, `${path}.provider`, providers)
    if (fields.region) cluster.region = this.string(fields.region, `${path}.region`, { max: 64 })
    if (fields.description) {
      cluster.description = this.string(fields.description, `${path}.description`, {
        max: 500,
        empty: true,
      })
    }
    cluster.topics = this.list(
      fields.topics,
      `${path}.topics`,
      (item, at) => this.topic(item, at),
      byName,
    )
    this.unique(cluster.topics, `${path}.topics`, 'topic')
    this.collidingTopics(cluster.topics, `${path}.topics`)
    cluster.serviceAccounts = this.list(
      fields.serviceAccounts,
      `${path}.serviceAccounts`,
      (item, at) => this.serviceAccount(item, at),
      byName,
    )
    this.unique(cluster.serviceAccounts, `${path}.serviceAccounts`, 'service account')
    return name ? this.located(cluster, node) : undefined
  }

  private topic(node: Node, path: Path): DeclaredTopic | undefined {
    const fields = this.map(
      node,
      path,
      ['name', 'partitions', 'replicationFactor', 'config'],
      ['name', 'partitions'],
    )
    if (!fields) return undefined
    const name = this.topicName(fields.name, `${path}.name`)
    const partitions = this.integer(fields.partitions, `${path}.partitions`, 1, 10_000)
    const topic: DeclaredTopic = { name: name ?? '', partitions: partitions ?? 1, config: {} }
    if (fields.replicationFactor) {
      topic.replicationFactor = this.integer(
        fields.replicationFactor,
        `${path}.replicationFactor`,
        1,
        7,
      )
    }
    if (fields.config) topic.config = this.config(fields.config, `${path}.config`)
    return name && partitions ? this.located(topic, node) : undefined
  }

  private serviceAccount(node: Node, path: Path): DeclaredServiceAccount | undefined {
    const fields = this.map(node, path, ['name', 'description', 'acls'], ['name'])
    if (!fields) return undefined
    const name = this.string(fields.name, `${path}.name`, { pattern: resourceName, max: 40 })
    const acls = this.list(fields.acls, `${path}.acls`, (item, at) => this.acl(item, at))
    if (acls.length > 200) this.problem(fields.acls, `${path}.acls`, 'at most 200 ACLs')
    const account: DeclaredServiceAccount = { name: name ?? '', acls }
    if (fields.description) {
      account.description = this.string(fields.description, `${path}.description`, {
        max: 500,
        empty: true,
      })
    }
    return name ? this.located(account, node) : undefined
  }

  private acl(node: Node, path: Path): Required<Acl> | undefined {
    const fields = this.map(
      node,
      path,
      ['resourceType', 'patternType', 'name', 'operations'],
      ['resourceType', 'name', 'operations'],
    )
    if (!fields) return undefined
    const resourceType = this.oneOf(fields.resourceType, `${path}.resourceType`, resourceTypes)
    const patternType = fields.patternType
      ? this.oneOf(fields.patternType, `${path}.patternType`, patternTypes)
      : 'literal'
    const name = this.string(fields.name, `${path}.name`, { pattern: kafkaName, max: 249 })
    const operations = this.operations(fields.operations, `${path}.operations`, resourceType)
    if (!resourceType || !patternType || !name || !operations) return undefined
    return { resourceType, patternType, name, operations }
  }

  private operations(
    node: Node | undefined,
    path: Path,
    resourceType: Acl['resourceType'] | undefined,
  ): Operation[] | undefined {
    const allowed = operationsOf[resourceType ?? 'topic']
    const operations = this.list(node, path, (item, at) => {
      const value = this.string(item, at)
      if (value === undefined) return undefined
      if (allowed.includes(value as Operation)) return value as Operation
      const which = resourceType ? `a ${resourceType}` : 'an ACL'
      this.problem(item, at, `${value} does not apply to ${which}; use ${allowed.join(', ')}`)
      return undefined
    })
    if (node && operations.length === 0 && isSeq(this.resolve(node)))
      this.problem(node, path, 'needs at least one operation')
    return operations.length > 0 ? operations : undefined
  }

  private config(node: Node, path: Path): DeclaredTopic['config'] {
    const map = this.resolve(node)
    if (!isMap(map)) {
      this.problem(
        node,
        path,
        'must be a map of config keys to values, e.g. retention.ms: 86400000',
      )
      return {}
    }
    const config: DeclaredTopic['config'] = {}
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined
      const value = this.resolve(pair.value as Node)
      if (typeof key !== 'string') {
        this.problem(pair.key as Node, path, 'config keys must be strings')
        continue
      }
      const scalar = isScalar(value) ? value.value : undefined
      if (
        typeof scalar === 'string' ||
        typeof scalar === 'boolean' ||
        (typeof scalar === 'number' && Number.isFinite(scalar))
      ) {
        config[key] = scalar
      } else {
        this.problem(pair.value as Node, `${path}.${key}`, 'must be a string, number or boolean')
      }
    }
    return config
  }

  private map<K extends string>(
    node: unknown,
    path: Path,
    known: readonly K[],
    required: readonly K[],
  ): Partial<Record<K, Node>> | undefined {
    const map = this.resolve(node as Node)
    if (!isMap(map)) {
      this.problem(node as Node, path, `must be a map with ${required.join(', ')}`)
      return undefined
    }
    const fields: Partial<Record<K, Node>> = {}
    for (const pair of (map as YAMLMap<unknown, unknown>).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined
      if (key === undefined || !known.includes(key as K)) {
        this.problem(
          pair.key as Node,
          path,
          `unknown key ${key ?? '(not a string)'}; known: ${known.join(', ')}`,
        )
        continue
      }
      // `key:` with nothing after it is a null scalar; treat it as absent.
      const value = pair.value as Node | null
      if (value && !(isScalar(value) && value.value === null)) fields[key as K] = value
    }
    for (const key of required) {
      if (!fields[key]) this.problem(map, path, `needs ${key}`)
    }
    return fields
  }

  /** A list's items, each at `path[index]`, or `path[name]` when `byName` and it has one. */
  private list<T>(
    node: Node | undefined,
    path: Path,
    item: (node: Node, path: Path) => T | undefined,
    byName = false,
  ): T[] {
    if (!node) return []
    const seq = this.resolve(node)
    if (!isSeq(seq)) {
      this.problem(node, path, 'must be a list (items start with "- ")')
      return []
    }
    return seq.items.flatMap((entry, index) => {
      const name = byName ? this.nameOf(entry as Node) : undefined
      const read = item(entry as Node, `${path}[${name ?? index}]`)
      return read === undefined ? [] : [read]
    })
  }

  /** The `name` of a map, if it has a string one: to say which item a problem is in. */
  private nameOf(node: Node): string | undefined {
    const map = this.resolve(node)
    if (!isMap(map)) return undefined
    const name = this.resolve(map.get('name', true) as Node)
    return isScalar(name) && typeof name.value === 'string' && name.value ? name.value : undefined
  }

  private string(
    node: Node | undefined,
    path: Path,
    rules: { pattern?: RegExp; max?: number; empty?: boolean } = {},
  ): string | undefined {
    if (!node) return undefined
    const value = this.scalar(node)
    if (typeof value !== 'string' || (value === '' && !rules.empty)) {
      this.problem(node, path, 'must be a non-empty string')
      return undefined
    }
    if (rules.max !== undefined && value.length > rules.max) {
      this.problem(node, path, `must be at most ${rules.max} characters`)
      return undefined
    }
    if (rules.pattern && !rules.pattern.test(value)) {
      const what =
        rules.pattern === resourceName
          ? 'lowercase letters, digits and hyphens, starting with a letter'
          : 'letters, digits, ".", "_" and "-"'
      this.problem(node, path, `must be ${what}, got "${value}"`)
      return undefined
    }
    return value
  }

  private topicName(node: Node | undefined, path: Path): string | undefined {
    const name = this.string(node, path, { pattern: kafkaName, max: 249 })
    if (name === '.' || name === '..') this.problem(node, path, 'cannot be "." or ".."')
    else if (name?.startsWith('__')) {
      this.problem(node, path, 'names starting with "__" are reserved for Kafka')
    } else return name
    return undefined
  }

  private integer(node: Node | undefined, path: Path, min: number, max: number) {
    if (!node) return undefined
    const value = this.scalar(node)
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
      return value
    }
    this.problem(node, path, `must be a whole number from ${min} to ${max}`)
    return undefined
  }

  private oneOf<T extends string>(node: Node | undefined, path: Path, values: Record<T, true>) {
    if (!node) return undefined
    const value = this.scalar(node)
    if (typeof value === 'string' && Object.hasOwn(values, value)) return value as T
    this.problem(node, path, `must be one of ${Object.keys(values).join(', ')}`)
    return undefined
  }

  private scalar(node: Node | undefined): unknown {
    const resolved = node && this.resolve(node)
    return isScalar(resolved) ? resolved.value : undefined
  }

  private unique(items: { name: string }[], path: Path, noun: string): void {
    const seen = new Set<string>()
    for (const item of items) {
      if (seen.has(item.name)) this.problemAt(item, `${path}: ${noun} ${item.name} is listed twice`)
      seen.add(item.name)
    }
  }

  // Kafka metrics turn "." into "_", so the API refuses two such names in one cluster.
  private collidingTopics(topics: DeclaredTopic[], path: Path): void {
    const seen = new Map<string, string>()
    for (const topic of topics) {
      const key = topic.name.replaceAll('.', '_')
      const other = seen.get(key)
      if (other !== undefined && other !== topic.name) {
        this.problemAt(
          topic,
          `${path}: topics ${other} and ${topic.name} would collide ('.' and '_' are one in Kafka metrics)`,
        )
      }
      seen.set(key, topic.name)
    }
  }

  private located<T extends object>(item: T, node: Node): T {
    const offset = node.range?.[0]
    if (offset !== undefined) this.offsets.set(item, offset)
    return item
  }

  private resolve(node: Node): Node | undefined {
    return isAlias(node) ? (node.resolve(this.doc) as Node | undefined) : node
  }

  private problem(node: Node | null | undefined, path: Path, message: string): void {
    const offset = node?.range?.[0]
    const where = offset === undefined ? '' : `${this.at(offset)}: `
    this.problems.push(`${where}${path}: ${message}`)
  }

  private problemAt(item: object, message: string): void {
    const offset = this.offsets.get(item)
    this.problems.push(offset === undefined ? message : `${this.at(offset)}: ${message}`)
  }
}

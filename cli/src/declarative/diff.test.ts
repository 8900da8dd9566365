import { describe, expect, test } from 'vitest'
import { CliError } from '../errors.ts'
import { aCluster, aServiceAccount, aTopic, aTopicPlan, deleting } from './builders.ts'
import {
  aclBindings,
  type ClusterState,
  clusterChange,
  type OrgState,
  planOf,
  quotaChangeOf,
  serviceAccountChange,
  topicGrowth,
} from './diff.ts'
import {
  type Acl,
  type DeclaredCluster,
  type DeclaredServiceAccount,
  parseDeclaredFile,
} from './file.ts'
import type { PlanEntry } from './plan.ts'

const declaredCluster = (overrides: Partial<DeclaredCluster> = {}): DeclaredCluster => ({
  name: 'main',
  topics: [],
  serviceAccounts: [],
  ...overrides,
})

const declaredAccount = (
  overrides: Partial<DeclaredServiceAccount> = {},
): DeclaredServiceAccount => ({ name: 'shop', acls: [], ...overrides })

const readOrders: Required<Acl> = {
  resourceType: 'topic',
  patternType: 'literal',
  name: 'orders',
  operations: ['read'],
}

describe('a cluster’s change', () => {
  test('creates a new cluster with only the fields the file gives', () => {
    expect(clusterChange(declaredCluster({ region: 'eu' }), undefined)).toEqual({
      entry: {
        kind: 'cluster',
        cluster: null,
        name: 'main',
        action: 'create',
        changes: [{ field: 'region', from: null, to: 'eu' }],
      },
      body: { region: 'eu' },
      problems: [],
    })
  })

  test('keeps what the file leaves out, and sends the whole spec', () => {
    const current = aCluster({ region: 'eu', description: 'shop' })
    expect(clusterChange(declaredCluster(), current)).toEqual({
      body: { type: 'shared', provider: 'shared', region: 'eu', description: 'shop' },
      problems: [],
    })
    expect(clusterChange(declaredCluster({ description: '' }), current)).toMatchObject({
      entry: { action: 'update', changes: [{ field: 'description', from: 'shop', to: '' }] },
      body: { region: 'eu', description: '' },
      problems: [],
    })
  })

  test('refuses a change of type, provider or region, which the API cannot make', () => {
    const { problems } = clusterChange(
      declaredCluster({ type: 'dedicated', provider: 'kubernetes', region: 'us' }),
      aCluster(),
    )
    expect(problems).toEqual([
      'cluster main: type cannot change after creation (shared → dedicated)',
      'cluster main: provider cannot change after creation (shared → kubernetes)',
      'cluster main: region cannot change after creation (local → us)',
    ])
  })
})

describe('a service account’s change', () => {
  test('creates one with its ACLs, a field per binding', () => {
    const { entry, body } = serviceAccountChange(
      'main',
      declaredAccount({ description: 'the shop', acls: [readOrders] }),
      undefined,
    )
    expect(entry).toEqual({
      kind: 'serviceAccount',
      cluster: 'main',
      name: 'shop',
      action: 'create',
      changes: [
        { field: 'description', from: null, to: 'the shop' },
        { field: 'acls[topic:literal:orders]', from: null, to: 'read' },
      ],
    })
    expect(body).toEqual({ description: 'the shop', acls: [readOrders] })
  })

  test('sees no change in ACLs listed in another order, nor in a description left out', () => {
    const current = aServiceAccount({
      description: 'kept',
      acls: [
        { resourceType: 'group', patternType: 'prefixed', name: 'shop-', operations: ['read'] },
        { ...readOrders, operations: ['write', 'read'] },
      ],
    })
    const declared = declaredAccount({
      acls: [
        { ...readOrders, operations: ['read', 'write'] },
        { resourceType: 'group', patternType: 'prefixed', name: 'shop-', operations: ['read'] },
      ],
    })
    const { entry, body } = serviceAccountChange('main', declared, current)
    expect(entry).toBeUndefined()
    expect(body.description).toBe('kept')
  })

  test('shows each binding added, changed or removed', () => {
    const current = aServiceAccount({
      acls: [readOrders, { ...readOrders, name: 'refunds' }],
    })
    const declared = declaredAccount({
      description: 'new',
      acls: [
        { ...readOrders, operations: ['read', 'describe'] },
        { resourceType: 'group', patternType: 'literal', name: 'shop', operations: ['read'] },
      ],
    })
    expect(serviceAccountChange('main', declared, current).entry?.changes).toEqual([
      { field: 'description', from: '', to: 'new' },
      { field: 'acls[group:literal:shop]', from: null, to: 'read' },
      { field: 'acls[topic:literal:orders]', from: 'read', to: 'describe,read' },
      { field: 'acls[topic:literal:refunds]', from: 'read', to: null },
    ])
  })

  test('binds an ACL listed twice as one, and takes literal as the pattern by default', () => {
    const bindings = aclBindings([
      { resourceType: 'topic', name: 'orders', operations: ['write'] },
      { ...readOrders, operations: ['read', 'write'] },
    ])
    expect([...bindings]).toEqual([['topic:literal:orders', 'read,write']])
  })
})

/** The org's state: `main` exists with these topics, service accounts and dry run answer. */
function anOrg(main: Partial<ClusterState> = {}, others: OrgState['clusters'] = []): OrgState {
  const cluster = aCluster()
  const state: ClusterState = {
    cluster,
    topicPlan: aTopicPlan(),
    topics: [],
    serviceAccounts: [],
    ...main,
  }
  return {
    org: 'acme',
    clusters: [cluster, ...others],
    declared: new Map([['main', state]]),
    contents: new Map(),
  }
}

const parsed = (yaml: string) => parseDeclaredFile(yaml, 'fjord.yaml')

describe('a plan', () => {
  const file = parsed(`clusters:
  - name: main
    topics:
      - { name: orders, partitions: 6 }
      - { name: clicks, partitions: 1 }
    serviceAccounts:
      - name: shop
  - name: analytics
    topics:
      - { name: views, partitions: 2, replicationFactor: 1, config: { retention.ms: 86400000 } }
    serviceAccounts:
      - name: reports
`)
  const state = anOrg({
    topicPlan: aTopicPlan([
      { name: 'clicks', action: 'unchanged', changes: [] },
      {
        name: 'orders',
        action: 'update',
        changes: [{ field: 'partitions', from: 3, to: 6 }],
      },
    ]),
    topics: [aTopic({ partitions: 3 }), aTopic({ name: 'clicks' }), aTopic({ name: 'old' })],
    serviceAccounts: [aServiceAccount(), aServiceAccount({ name: 'legacy' })],
  })

  test('lists each change, cluster by cluster, and what the file leaves out', () => {
    const { plan, topics, bodies } = planOf(file, state, false)
    expect(plan.entries.map((e) => `${e.action} ${e.kind} ${e.cluster ?? ''}/${e.name}`)).toEqual([
      'create cluster /analytics',
      'create topic analytics/views',
      'create serviceAccount analytics/reports',
      'update topic main/orders',
    ])
    expect(plan.entries[1]?.changes).toEqual([
      { field: 'partitions', from: null, to: 2 },
      { field: 'replicationFactor', from: null, to: 1 },
      { field: 'config.retention.ms', from: null, to: '86400000' },
    ])
    // main itself, clicks and shop match the file.
    expect(plan.unchanged).toBe(3)
    expect(plan.unmanaged).toEqual([
      { kind: 'topic', cluster: 'main', name: 'old' },
      { kind: 'serviceAccount', cluster: 'main', name: 'legacy' },
    ])
    expect([...topics.keys()].sort()).toEqual(['analytics', 'main'])
    expect(bodies.get(plan.entries[0] as PlanEntry)).toEqual({})
  })

  test('with --prune deletes what the file leaves out, a cluster with all it holds', () => {
    const withOther = anOrg(
      {
        ...state.declared.get('main'),
        topicPlan: aTopicPlan([{ name: 'old', action: 'delete', changes: [] }], true),
      },
      [aCluster({ name: 'staging' }), aCluster({ name: 'gone', status: deleting })],
    )
    withOther.contents.set('staging', { topics: 4, serviceAccounts: 1 })
    const { plan, read } = planOf(
      parsed('clusters:\n  - name: main\n    serviceAccounts: [{ name: shop }]\n'),
      withOther,
      true,
    )
    expect(plan.entries).toEqual([
      { kind: 'topic', cluster: 'main', name: 'old', action: 'delete', changes: [] },
      { kind: 'serviceAccount', cluster: 'main', name: 'legacy', action: 'delete', changes: [] },
      {
        kind: 'cluster',
        cluster: null,
        name: 'staging',
        action: 'delete',
        changes: [
          { field: 'topics', from: 4, to: null },
          { field: 'serviceAccounts', from: 1, to: null },
        ],
      },
    ])
    expect(plan.unmanaged).toEqual([])
    // The deletions are guarded by what the plan read of them.
    expect(plan.entries.slice(1).map((entry) => read.get(entry)?.name)).toEqual([
      'legacy',
      'staging',
    ])
  })

  test('leaves alone what is being deleted, and refuses to declare it again', () => {
    const gone = anOrg({ serviceAccounts: [aServiceAccount({ status: deleting })] }, [
      aCluster({ name: 'old', status: deleting }),
    ])
    expect(planOf(parsed('clusters:\n  - name: main\n'), gone, true).plan.entries).toEqual([])
    const declared = parsed(`clusters:
  - name: main
    serviceAccounts: [{ name: shop }]
  - name: old
`)
    expect(() => planOf(declared, gone, false)).toThrow(
      expect.objectContaining({
        details: [
          'fjord.yaml:3: service account main/shop is being deleted; wait until it is gone to declare it again',
          'fjord.yaml:4: cluster old is being deleted; wait until it is gone to declare it again',
        ],
      }),
    )
  })

  test('refuses a change the API cannot make, naming the line', () => {
    const attempt = () =>
      planOf(parsed('clusters:\n  - name: main\n    region: us\n'), anOrg(), false)
    expect(attempt).toThrow(CliError)
    expect(attempt).toThrow(
      expect.objectContaining({
        details: ['fjord.yaml:2: cluster main: region cannot change after creation (local → us)'],
      }),
    )
  })

  test('has no changes when the org matches the file', () => {
    const { plan } = planOf(parsed('clusters:\n  - name: main\n'), anOrg(), false)
    expect(plan).toEqual({ org: 'acme', prune: false, entries: [], unchanged: 1, unmanaged: [] })
  })
})

describe('the quota a plan asks for', () => {
  const topic = (action: PlanEntry['action'], changes: PlanEntry['changes'], name = 't') =>
    ({ kind: 'topic', cluster: 'main', name, action, changes }) as PlanEntry

  test('adds new clusters, topics and partitions, less the topics deleted', () => {
    const entries: PlanEntry[] = [
      { kind: 'cluster', cluster: null, name: 'new', action: 'create', changes: [] },
      topic('create', [{ field: 'partitions', from: null, to: 6 }]),
      topic('update', [{ field: 'partitions', from: 3, to: 5 }]),
      topic('delete', [], 'old'),
    ]
    const declared = anOrg({ topics: [aTopic({ name: 'old', partitions: 4 })] }).declared
    expect(quotaChangeOf(entries, declared)).toEqual({ clusters: 1, topics: 0, partitions: 4 })
  })

  test('asks for the longest retention set, and forever above all', () => {
    const retention = (to: string) =>
      topic('update', [{ field: 'config.retention.ms', from: null, to }])
    const declared = anOrg().declared
    expect(quotaChangeOf([retention('1000'), retention('5000')], declared).retentionMs).toBe(5000)
    expect(quotaChangeOf([retention('-1'), retention('5000')], declared).retentionMs).toBe(-1)
    expect(quotaChangeOf([retention('5000'), retention('-1')], declared).retentionMs).toBe(-1)
    expect(quotaChangeOf([topic('update', [])], declared)).not.toHaveProperty('retentionMs')
  })

  test('counts how many topics a cluster’s apply adds, to free room first', () => {
    const entries = [topic('create', []), topic('delete', []), topic('delete', [])]
    expect(topicGrowth(entries, 'main')).toBe(-1)
    expect(topicGrowth(entries, 'other')).toBe(0)
  })
})

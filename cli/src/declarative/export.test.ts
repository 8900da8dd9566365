import { describe, expect, test } from 'vitest'
import { aCluster, aServiceAccount, aTopic, aTopicPlan, deleting } from './builders.ts'
import { type ClusterState, planOf } from './diff.ts'
import { exportedFile, fileText } from './export.ts'
import { parseDeclaredFile } from './file.ts'

const main = aCluster({ description: 'the shop' })
const analytics = aCluster({
  name: 'analytics',
  type: 'dedicated',
  provider: 'kubernetes',
  region: 'eu',
})
const orders = aTopic({
  partitions: 6,
  config: { 'retention.ms': '604800000', 'cleanup.policy': 'compact' },
})
const shop = aServiceAccount({
  description: 'the shop',
  acls: [
    { resourceType: 'topic', patternType: 'literal', name: 'orders', operations: ['read'] },
    { resourceType: 'group', name: 'shop', operations: ['read', 'describe'] },
  ],
})
const contents = [
  {
    cluster: main,
    topics: [orders, aTopic({ name: 'gone', status: deleting })],
    serviceAccounts: [shop, aServiceAccount({ name: 'quiet' })],
  },
  { cluster: analytics, topics: [], serviceAccounts: [] },
]

describe('an exported file', () => {
  test('is YAML a person reads: defaults and empty lists left out, operations on one line', () => {
    expect(
      fileText(exportedFile('acme', contents), 'fjord export'),
    ).toBe(`# Written by \`fjord export\`; \`fjord plan -f <this file>\` shows what differs.

org: acme
clusters:
  - name: main
    type: shared
    region: local
    description: the shop
    topics:
      - name: orders
        partitions: 6
        replicationFactor: 1
        config:
          retention.ms: "604800000"
          cleanup.policy: compact
    serviceAccounts:
      - name: shop
        description: the shop
        acls:
          - resourceType: topic
            patternType: literal
            name: orders
            operations: [ read ]
          - resourceType: group
            patternType: literal
            name: shop
            operations: [ read, describe ]
      - name: quiet
  - name: analytics
    type: dedicated
    provider: kubernetes
    region: eu
`)
  })

  test('plans no changes against what it was exported from', () => {
    const parsed = parseDeclaredFile(fileText(exportedFile('acme', contents), 'x'), 'x.yaml')
    const state = (topicsUnchanged: number, of: (typeof contents)[number]): ClusterState => ({
      cluster: of.cluster,
      // The API's dry run of the exported topics: what it answers when they match.
      topicPlan: aTopicPlan(
        of.topics.slice(0, topicsUnchanged).map((t) => ({
          name: t.name,
          action: 'unchanged' as const,
          changes: [],
        })),
      ),
      topics: of.topics,
      serviceAccounts: of.serviceAccounts,
    })
    const [first, second] = contents
    if (!first || !second) throw new Error('two clusters')
    const { plan } = planOf(
      parsed,
      {
        org: 'acme',
        clusters: [main, analytics],
        declared: new Map([
          ['main', state(1, first)],
          ['analytics', state(0, second)],
        ]),
        contents: new Map(),
      },
      false,
    )
    expect(plan.entries).toEqual([])
    expect(plan.unmanaged).toEqual([])
  })
})

import { describe, expect, test } from 'vitest'
import type { Plan } from './plan.ts'
import { type Paint, renderPlan, summaryLine } from './render.ts'

const plain: Paint = (_style, text) => text
const tagged: Paint = (style, text) => `<${style}>${text}</${style}>`

const plan: Plan = {
  org: 'acme',
  prune: true,
  unchanged: 4,
  unmanaged: [],
  entries: [
    {
      kind: 'cluster',
      cluster: null,
      name: 'analytics',
      action: 'create',
      changes: [{ field: 'region', from: null, to: 'eu-west-1' }],
    },
    {
      kind: 'topic',
      cluster: 'main',
      name: 'orders',
      action: 'update',
      changes: [
        { field: 'partitions', from: 3, to: 6 },
        { field: 'config.cleanup.policy', from: null, to: 'compact' },
        { field: 'config.retention.ms', from: '86400000', to: '604800000' },
        { field: 'config.segment.ms', from: '3600000', to: null },
      ],
    },
    {
      kind: 'serviceAccount',
      cluster: 'main',
      name: 'shop',
      action: 'update',
      changes: [{ field: 'description', from: '', to: 'the shop' }],
    },
    { kind: 'topic', cluster: 'main', name: 'old', action: 'delete', changes: [] },
    {
      kind: 'cluster',
      cluster: null,
      name: 'staging',
      action: 'delete',
      changes: [
        { field: 'topics', from: 12, to: null },
        { field: 'serviceAccounts', from: 1, to: null },
      ],
    },
  ],
}

describe('a rendered plan', () => {
  test('reads as terraform’s: +, ~ field by field, -, and the summary', () => {
    expect(renderPlan(plan, plain)).toBe(`fjord will make these changes in org acme:

  + cluster analytics
      + region: eu-west-1

  ~ topic main/orders
      ~ partitions:            3 → 6
      + config.cleanup.policy: compact
      ~ config.retention.ms:   86400000 → 604800000
      - config.segment.ms:     3600000

  ~ service account main/shop
      ~ description: "" → the shop

  - topic main/old

  - cluster staging (with its 12 topics and 1 service account)

Plan: 1 to add, 2 to change, 2 to destroy.
`)
  })

  test('colours only through the paint it is given', () => {
    const text = renderPlan(plan, tagged)
    expect(text).toContain('  <green>+</green> cluster analytics\n')
    expect(text).toContain('      <yellow>~</yellow> partitions:')
    expect(text).toContain('  <red>-</red> topic main/old\n')
    expect(text).toContain('<bold>Plan: 1 to add, 2 to change, 2 to destroy.</bold>')
  })

  test('says when there is nothing to do, and what the file does not list', () => {
    const none: Plan = {
      org: 'acme',
      prune: false,
      unchanged: 3,
      entries: [],
      unmanaged: [
        { kind: 'cluster', cluster: null, name: 'staging' },
        { kind: 'topic', cluster: 'main', name: 'a' },
        { kind: 'topic', cluster: 'main', name: 'b' },
        { kind: 'serviceAccount', cluster: 'main', name: 'c' },
      ],
    }
    expect(renderPlan(none, plain)).toBe(
      [
        'No changes: org acme matches the file.',
        'Not in the file, so left as they are: 1 cluster, 2 topics, 1 service account (`--prune` deletes them).',
        '',
      ].join('\n'),
    )
  })

  test('quotes a value whose spaces would not show', () => {
    const spaces: Plan = {
      ...plan,
      entries: [
        {
          kind: 'cluster',
          cluster: null,
          name: 'main',
          action: 'update',
          changes: [{ field: 'description', from: 'shop ', to: 'two  spaces' }],
        },
      ],
    }
    expect(renderPlan(spaces, plain)).toContain('~ description: "shop " → "two  spaces"')
  })

  test('sums up as terraform does', () => {
    expect(summaryLine({ ...plan, entries: [] })).toBe('Plan: 0 to add, 0 to change, 0 to destroy.')
  })
})

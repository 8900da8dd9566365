import { describe, expect, it } from 'vitest'
import { createdByFjord, isCreatedByFjord, labels, managedBy } from './metadata.ts'

const withLabels = (found?: Record<string, string>) => ({ metadata: { labels: found } })

describe('isCreatedByFjord', () => {
  it("holds for an object carrying Fjord's labels for that org, among others", () => {
    expect(isCreatedByFjord(withLabels({ ...createdByFjord('o1'), team: 'x' }), 'o1')).toBe(true)
  })

  it.each([
    ['no labels', undefined],
    ["another org's labels", createdByFjord('o2')],
    ['only the org label', { [labels.orgId]: 'o1' }],
    ['another manager', { [labels.managedBy]: 'helm', [labels.orgId]: 'o1' }],
    ['only the manager label', { [labels.managedBy]: managedBy }],
  ])('does not hold for an object with %s', (_, found) => {
    expect(isCreatedByFjord(withLabels(found), 'o1')).toBe(false)
  })
})

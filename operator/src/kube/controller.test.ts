import { describe, expect, test } from 'vitest'
import { specOrMetadataChanged } from './controller.ts'

const aTopic = (metadata: Record<string, unknown> = {}, status: object = {}) => ({
  metadata: { name: 't', namespace: 'acme', generation: 1, resourceVersion: '5', ...metadata },
  spec: { partitions: 3 },
  status,
})

describe('specOrMetadataChanged', () => {
  test('ignores an update that only touched the status', () => {
    expect(
      specOrMetadataChanged(
        aTopic({ resourceVersion: '6' }, { phase: 'Ready' }),
        aTopic({}, { phase: 'Pending' }),
      ),
    ).toBe(false)
  })

  test('counts a new generation, a deletion, a finalizer or a label change', () => {
    const old = aTopic()
    expect(specOrMetadataChanged(aTopic({ generation: 2 }), old)).toBe(true)
    expect(specOrMetadataChanged(aTopic({ deletionTimestamp: '2026-01-01T00:00:00Z' }), old)).toBe(
      true,
    )
    expect(specOrMetadataChanged(aTopic({ finalizers: ['fjord.dev/kafka'] }), old)).toBe(true)
    expect(specOrMetadataChanged(aTopic({ labels: { a: 'b' } }), old)).toBe(true)
  })

  test('counts every update of a kind without generations', () => {
    const cm = { metadata: { name: 'c', resourceVersion: '1' } }
    expect(specOrMetadataChanged({ ...cm, data: {} }, cm)).toBe(true)
  })
})

import { describe, expect, test } from 'vitest'
import { statusEquals } from './apply.ts'
import { codeFor, isConflict, isNotFound, kubeErrorFromResponse } from './errors.ts'
import { splitKey } from './informer.ts'
import { LeaderElector, microTime } from './leader.ts'
import {
  ConfigMaps,
  collectionPath,
  controllerReference,
  defineResource,
  Namespaces,
  objectPath,
} from './resources.ts'

const KafkaTopics = defineResource('fjord.dev/v1alpha1', 'KafkaTopic', 'kafkatopics')

const aTopic = (metadata: Record<string, unknown> = {}, status: object = {}) => ({
  metadata: { name: 't', namespace: 'acme', generation: 1, resourceVersion: '5', ...metadata },
  spec: { partitions: 3 },
  status,
})

describe('resource paths', () => {
  test('builds core, group, namespaced and cluster-scoped paths', () => {
    expect(collectionPath(ConfigMaps, 'acme')).toBe('/api/v1/namespaces/acme/configmaps')
    expect(collectionPath(KafkaTopics)).toBe('/apis/fjord.dev/v1alpha1/kafkatopics')
    expect(objectPath(KafkaTopics, 'orders', 'acme')).toBe(
      '/apis/fjord.dev/v1alpha1/namespaces/acme/kafkatopics/orders',
    )
    expect(objectPath(Namespaces, 'acme')).toBe('/api/v1/namespaces/acme')
  })

  test('refuses a namespaced object path without a namespace', () => {
    expect(() => objectPath(KafkaTopics, 'orders')).toThrow(/namespaced/)
  })

  test('makes a controller owner reference only for an object that has a uid', () => {
    expect(controllerReference(KafkaTopics, aTopic({ uid: 'u-1' }))).toEqual({
      apiVersion: 'fjord.dev/v1alpha1',
      kind: 'KafkaTopic',
      name: 't',
      uid: 'u-1',
      controller: true,
      blockOwnerDeletion: true,
    })
    expect(() => controllerReference(KafkaTopics, aTopic())).toThrow(/no uid/)
  })
})

describe('kube errors', () => {
  test('maps statuses and reasons to stable codes', () => {
    expect(codeFor(404)).toBe('not_found')
    expect(codeFor(409, 'Conflict')).toBe('conflict')
    expect(codeFor(409, 'AlreadyExists')).toBe('already_exists')
    expect(codeFor(422)).toBe('invalid')
    expect(codeFor(410)).toBe('gone')
    expect(codeFor(503)).toBe('unavailable')
    expect(codeFor(418)).toBe('unknown')
  })

  test('keeps the apiserver message and reason of a Status body', () => {
    const error = kubeErrorFromResponse(
      'PUT',
      '/x',
      409,
      JSON.stringify({
        kind: 'Status',
        reason: 'Conflict',
        message: 'the object has been modified',
      }),
    )
    expect(isConflict(error)).toBe(true)
    expect(isNotFound(error)).toBe(false)
    expect(error.reason).toBe('Conflict')
    expect(error.message).toContain('the object has been modified')
  })
})

describe('statusEquals', () => {
  test('treats absent and undefined fields alike but sees any real difference', () => {
    expect(statusEquals({ phase: 'Ready', message: undefined }, { phase: 'Ready' })).toBe(true)
    expect(statusEquals(undefined, {})).toBe(true)
    expect(statusEquals({ phase: 'Ready' }, { phase: 'Failed' })).toBe(false)
    expect(
      statusEquals({ conditions: [{ type: 'Ready' }] }, { conditions: [{ type: 'Ready' }, {}] }),
    ).toBe(false)
  })
})

describe('microTime', () => {
  test('writes the microsecond RFC 3339 form Lease times use', () => {
    expect(microTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678000Z')
  })
})

describe('splitKey', () => {
  test('splits namespaced keys and leaves cluster-scoped names whole', () => {
    expect(splitKey('acme/orders')).toEqual({ namespace: 'acme', name: 'orders' })
    expect(splitKey('shared-pool')).toEqual({ name: 'shared-pool' })
  })
})

describe('LeaderElector options', () => {
  test('refuses a renew deadline that is not shorter than the lease, which would allow two leaders', () => {
    const base = { client: {} as never, namespace: 'ns', name: 'l', identity: 'a' }
    expect(
      () => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
    ).toThrow(/renewDeadlineMs must be shorter/)
    expect(
      () =>
        new LeaderElector({
          ...base,
          leaseDurationMs: 10_000,
          renewDeadlineMs: 5_000,
          retryPeriodMs: 5_000,
        }),
    ).toThrow(/retryPeriodMs must be shorter/)
  })
})

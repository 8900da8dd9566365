import type { KubeClient } from '@fjord/kube/client'
import { aPool } from '@fjord/testing/resources'
import { FakeClock } from '@fjord/time/clock'
import { describe, expect, test } from 'vitest'
import { KafkaConnections } from './connections.ts'

const pool = aPool({}, 'shared')

/** An apiserver holding the pool's admin Secret, counting its reads; `rotate` writes a new password. */
function anApiserver() {
  let resourceVersion = 1
  let password = 'first'
  const reads: string[] = []
  const client = {
    get: async (path: string) => {
      reads.push(path)
      return {
        metadata: {
          name: 'admin',
          namespace: 'fjord-system',
          resourceVersion: `${resourceVersion}`,
        },
        data: {
          username: Buffer.from('fjord-admin').toString('base64'),
          password: Buffer.from(password).toString('base64'),
        },
      }
    },
  } as unknown as KubeClient
  const rotate = () => {
    resourceVersion += 1
    password = `rotated-${resourceVersion}`
  }
  return { client, reads, rotate }
}

describe('KafkaConnections', () => {
  test('passes asking at once share one read of the admin Secret, and one admin', async () => {
    const apiserver = anApiserver()
    const connections = new KafkaConnections(apiserver.client, { clock: new FakeClock() })
    const admins = await Promise.all(Array.from({ length: 50 }, () => connections.forPool(pool)))
    expect(apiserver.reads).toEqual(['/api/v1/namespaces/fjord-system/secrets/kafka-admin'])
    expect(new Set(admins).size).toBe(1)
    await connections.close()
  })

  test('reads the Secret again once secretMaxAgeMs passed, and uses a rotated password then', async () => {
    const apiserver = anApiserver()
    const clock = new FakeClock()
    const connections = new KafkaConnections(apiserver.client, { clock, secretMaxAgeMs: 5_000 })
    const first = await connections.forPool(pool)
    apiserver.rotate()
    clock.step(4_999)
    expect(await connections.forPool(pool)).toBe(first)
    expect(apiserver.reads).toHaveLength(1)
    clock.step(1)
    const second = await connections.forPool(pool)
    expect(apiserver.reads).toHaveLength(2)
    expect(second).not.toBe(first)
    await connections.close()
  })

  test('a failed read is not kept: the next pass reads again', async () => {
    let fail = true
    const apiserver = anApiserver()
    const client = {
      get: async (path: string) => {
        if (fail) throw new Error('apiserver unavailable')
        return apiserver.client.get(path)
      },
    } as unknown as KubeClient
    const connections = new KafkaConnections(client, { clock: new FakeClock() })
    await expect(connections.forPool(pool)).rejects.toThrow(
      'the admin Secret fjord-system/kafka-admin of pool shared cannot be read: apiserver unavailable',
    )
    fail = false
    await expect(connections.forPool(pool)).resolves.toBeDefined()
    await connections.close()
  })
})

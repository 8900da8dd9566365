import { PassThrough } from 'node:stream'
import { FakeClock } from '@fjord/time/clock'
import { describe, expect, test } from 'vitest'
import { Output } from './output.ts'
import { waitUntilReady } from './wait.ts'

const output = new Output({
  stdin: new PassThrough(),
  stdout: new PassThrough(),
  stderr: new PassThrough(),
  interactive: false,
  color: false,
  quiet: false,
})

const condition = {
  type: 'Ready',
  status: 'False',
  reason: 'TopicRefused',
  message: 'invalid config',
}

/** A resource that goes through these phases, one per read; reads counts them. */
function phases(...sequence: string[]) {
  const reads = { count: 0 }
  const read = async () => {
    const phase = sequence[Math.min(reads.count++, sequence.length - 1)] ?? 'Pending'
    return { status: { phase, conditions: phase === 'Ready' ? [] : [condition] } }
  }
  return { read, reads }
}

/** Steps the clock a second at a time until `waiting` settles. */
async function drive<T>(clock: FakeClock, waiting: Promise<T>): Promise<T> {
  let settled = false
  waiting.then(
    () => (settled = true),
    () => (settled = true),
  )
  while (!settled) {
    await new Promise((resolve) => setImmediate(resolve))
    clock.step(1_000)
  }
  return waiting
}

describe('waitUntilReady', () => {
  test('polls until the resource is Ready and answers it', async () => {
    const clock = new FakeClock()
    const { read, reads } = phases('Pending', 'Provisioning', 'Ready')
    const ready = await drive(clock, waitUntilReady(output, 'topic orders', read, 60_000, clock))
    expect(ready.status.phase).toBe('Ready')
    expect(reads.count).toBe(3)
  })

  test('fails with the condition when the resource Failed', async () => {
    const clock = new FakeClock()
    const { read } = phases('Pending', 'Failed')
    await expect(
      drive(clock, waitUntilReady(output, 'topic orders', read, 60_000, clock)),
    ).rejects.toThrow('topic orders failed: TopicRefused: invalid config')
  })

  test('gives up after the timeout, naming the phase it is still in', async () => {
    const clock = new FakeClock()
    const { read, reads } = phases('Provisioning')
    await expect(
      drive(clock, waitUntilReady(output, 'topic orders', read, 5_000, clock)),
    ).rejects.toThrow('topic orders is still Provisioning after 5s')
    expect(reads.count).toBe(6)
  })
})

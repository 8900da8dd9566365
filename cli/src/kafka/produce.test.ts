import { describe, expect, test } from 'vitest'
import { Batcher, partitionChooser } from './produce.ts'
import type { RecordToProduce } from './records.ts'

const key = (text: string) => Buffer.from(text)
// A stand-in for murmur2: the key's first byte.
const firstByte = (bytes: Buffer) => bytes[0] ?? 0

describe('the partition of a record', () => {
  test('is the one asked for, which the topic must have', () => {
    const choose = partitionChooser(3, { partition: 2, random: () => 0 }, firstByte)
    expect([choose(null), choose(key('a'))]).toEqual([2, 2])
    expect(() => partitionChooser(3, { partition: 3, random: () => 0 }, firstByte)).toThrow(
      'the topic has 3 partition(s), numbered from 0: there is no partition 3',
    )
  })

  test('follows the key’s hash, so one key always lands in one partition', () => {
    const choose = partitionChooser(4, { random: () => 0 }, firstByte)
    expect([choose(key('a')), choose(key('a')), choose(key('b'))]).toEqual([1, 1, 2])
  })

  test('goes round the partitions without a key, from a random one', () => {
    const choose = partitionChooser(3, { random: () => 0.5 }, firstByte)
    expect([choose(null), choose(null), choose(null), choose(null)]).toEqual([2, 0, 1, 2])
  })
})

const aRecord = (value: string | number): RecordToProduce => ({
  key: null,
  value: typeof value === 'number' ? Buffer.alloc(value) : Buffer.from(value),
  headers: [],
})

/** A send that completes only when the test says so, recording each batch. */
function aControlledSend() {
  const batches: RecordToProduce[][] = []
  const pending: (() => void)[] = []
  return {
    batches,
    send: (batch: RecordToProduce[]) => {
      batches.push(batch)
      return new Promise<void>((resolve) => pending.push(resolve))
    },
    complete: () => pending.shift()?.(),
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('the batcher', () => {
  test('sends the first record at once, and what came meanwhile as the next batch', async () => {
    const sender = aControlledSend()
    const batcher = new Batcher(sender.send)
    await batcher.add(aRecord('typed'))
    expect(sender.batches.map((b) => b.length)).toEqual([1])
    await batcher.add(aRecord('two'))
    await batcher.add(aRecord('three'))
    expect(sender.batches).toHaveLength(1)
    sender.complete()
    await settle()
    expect(sender.batches.map((b) => b.length)).toEqual([1, 2])
    sender.complete()
    expect(await batcher.finish()).toBe(3)
  })

  test('waits while a full batch is queued, so a large file is not read into memory', async () => {
    const sender = aControlledSend()
    const batcher = new Batcher(sender.send)
    await batcher.add(aRecord('first'))
    for (let i = 0; i < 999; i += 1) await batcher.add(aRecord(`${i}`))
    let added = false
    const full = batcher.add(aRecord('the thousandth')).then(() => {
      added = true
    })
    await settle()
    expect(added).toBe(false)
    sender.complete()
    await settle()
    expect(sender.batches.map((b) => b.length)).toEqual([1, 1000])
    sender.complete()
    await full
    expect(await batcher.finish()).toBe(1001)
  })

  test('cuts batches at half a megabyte', async () => {
    const sent: number[] = []
    const batcher = new Batcher(async (batch: RecordToProduce[]) => {
      sent.push(batch.length)
    })
    for (let i = 0; i < 5; i += 1) await batcher.add(aRecord(200 * 1024))
    expect(await batcher.finish()).toBe(5)
    expect(Math.max(...sent)).toBeLessThanOrEqual(3)
    expect(sent.reduce((a, b) => a + b)).toBe(5)
  })

  test('fails the next add and finish once a send failed', async () => {
    const refused = new Error('refused')
    const batcher = new Batcher(async () => {
      throw refused
    })
    await batcher.add(aRecord('x'))
    await settle()
    await expect(batcher.add(aRecord('y'))).rejects.toBe(refused)
    await expect(batcher.finish()).rejects.toBe(refused)
  })
})

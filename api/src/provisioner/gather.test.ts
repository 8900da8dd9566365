import { describe, expect, it } from 'vitest'
import { gathered } from './gather.ts'

/** A `run` whose batches are answered by the test, one by one. */
function heldRun() {
  const batches: { items: number[]; answer: (error?: Error) => void }[] = []
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({
        items,
        answer: (error) => (error ? reject(error) : resolve(items.map((item) => `#${item}`))),
      })
    })
  return { batches, run }
}

const turn = () => new Promise((resolve) => setImmediate(resolve))

describe('gathered', () => {
  it('sends a lone call at once, and the calls made meanwhile together in the next batch', async () => {
    const { batches, run } = heldRun()
    const call = gathered(run)
    const first = call(1)
    await turn()
    expect(batches.map((batch) => batch.items)).toEqual([[1]])
    const later = [call(2), call(3), call(4)]
    await turn()
    expect(batches).toHaveLength(1)
    batches[0]?.answer()
    expect(await first).toBe('#1')
    await turn()
    expect(batches.map((batch) => batch.items)).toEqual([[1], [2, 3, 4]])
    batches[1]?.answer()
    expect(await Promise.all(later)).toEqual(['#2', '#3', '#4'])
  })

  it('gathers the calls of one turn of the event loop, at most maxBatch at a time', async () => {
    const { batches, run } = heldRun()
    const call = gathered(run, { maxBatch: 2 })
    const calls = [call(1), call(2), call(3)]
    await turn()
    batches[0]?.answer()
    await turn()
    batches[1]?.answer()
    expect(await Promise.all(calls)).toEqual(['#1', '#2', '#3'])
    expect(batches.map((batch) => batch.items)).toEqual([[1, 2], [3]])
  })

  it('fails the calls of a failed batch only, and goes on with the next', async () => {
    const { batches, run } = heldRun()
    const call = gathered(run)
    const failing = call(1)
    await turn()
    const next = call(2)
    batches[0]?.answer(new Error('the database went away'))
    await expect(failing).rejects.toThrow('the database went away')
    await turn()
    batches[1]?.answer()
    expect(await next).toBe('#2')
  })
})

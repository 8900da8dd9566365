import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { type HandlerResult, TokenBucket, WorkQueue, type WorkQueueOptions } from './queue.ts'

/** A promise the test settles by hand, to hold a pass open. */
function deferred<T = void>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function aQueue(
  handler: (key: string, signal: AbortSignal) => Promise<HandlerResult>,
  options: WorkQueueOptions = {},
) {
  const queue = new WorkQueue(handler, { random: () => 0, ...options })
  queue.start()
  return queue
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  test('handles a key added many times while waiting only once', async () => {
    const seen: string[] = []
    const queue = new WorkQueue(async (key) => {
      seen.push(key)
    })
    queue.add('ns/a')
    queue.add('ns/b')
    queue.add('ns/a')
    queue.add('ns/a')
    expect(queue.depth).toBe(2)
    queue.start()
    await vi.runAllTimersAsync()
    expect(seen).toEqual(['ns/a', 'ns/b'])
    expect(queue.depth).toBe(0)
  })

  test('handles a key added during its pass once more afterwards, never twice at once', async () => {
    const passes: ReturnType<typeof deferred<void>>[] = []
    let concurrent = 0
    let maxConcurrent = 0
    const queue = aQueue(async () => {
      concurrent++
      maxConcurrent = Math.max(maxConcurrent, concurrent)
      const pass = deferred<void>()
      passes.push(pass)
      await pass.promise
      concurrent--
    })
    queue.add('a')
    await vi.advanceTimersByTimeAsync(0)
    queue.add('a')
    queue.add('a')
    await vi.advanceTimersByTimeAsync(0)
    expect(passes).toHaveLength(1)
    expect(queue.depth).toBe(0)
    passes[0]?.resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(passes).toHaveLength(2)
    passes[1]?.resolve()
    await vi.runAllTimersAsync()
    expect(passes).toHaveLength(2)
    expect(maxConcurrent).toBe(1)
  })

  test('never runs more passes at once than its concurrency', async () => {
    let concurrent = 0
    let maxConcurrent = 0
    const done: string[] = []
    const queue = aQueue(
      async (key) => {
        concurrent++
        maxConcurrent = Math.max(maxConcurrent, concurrent)
        await new Promise((resolve) => setTimeout(resolve, 10))
        concurrent--
        done.push(key)
      },
      { concurrency: 3 },
    )
    for (let i = 0; i < 10; i++) queue.add(`k${i}`)
    expect(queue.activeCount).toBe(3)
    expect(queue.depth).toBe(7)
    await vi.runAllTimersAsync()
    expect(maxConcurrent).toBe(3)
    expect(done).toHaveLength(10)
  })

  test('retries a failing key with doubling delays capped at the maximum', async () => {
    const retries: number[] = []
    const queue = aQueue(
      async () => {
        throw new Error('kafka down')
      },
      {
        baseDelayMs: 100,
        maxDelayMs: 1000,
        jitter: 0,
        onDone: ({ retryInMs }) => retries.push(retryInMs ?? -1),
      },
    )
    queue.add('a')
    await vi.advanceTimersByTimeAsync(0)
    for (const delay of [100, 200, 400, 800, 1000]) {
      await vi.advanceTimersByTimeAsync(delay - 1)
      const before = retries.length
      await vi.advanceTimersByTimeAsync(1)
      expect(retries.length, `a retry due after ${delay} ms`).toBe(before + 1)
    }
    expect(retries).toEqual([100, 200, 400, 800, 1000, 1000])
    expect(queue.failures('a')).toBe(6)
    await queue.stop()
  })

  test('takes its jittered share off each retry delay', async () => {
    const retries: number[] = []
    const queue = aQueue(
      async () => {
        throw new Error('kafka down')
      },
      {
        baseDelayMs: 1000,
        jitter: 0.25,
        random: () => 1,
        onDone: ({ retryInMs }) => retries.push(retryInMs ?? -1),
      },
    )
    queue.add('a')
    await vi.advanceTimersByTimeAsync(0)
    await vi.advanceTimersByTimeAsync(750)
    expect(retries).toEqual([750, 1500])
    await queue.stop()
  })

  test('starts backoff afresh after a success', async () => {
    const outcomes = ['fail', 'fail', 'ok', 'fail']
    const retries: (number | undefined)[] = []
    const queue = aQueue(
      async () => {
        if (outcomes.shift() === 'fail') throw new Error('boom')
      },
      { baseDelayMs: 100, jitter: 0, onDone: ({ retryInMs }) => retries.push(retryInMs) },
    )
    queue.add('a')
    await vi.advanceTimersByTimeAsync(0)
    await vi.advanceTimersByTimeAsync(100)
    await vi.advanceTimersByTimeAsync(200)
    expect(queue.failures('a')).toBe(0)
    queue.add('a')
    await vi.advanceTimersByTimeAsync(0)
    expect(retries).toEqual([100, 200, undefined, 100])
    await queue.stop()
  })

  test('handles a key given to addAfter only once its delay has passed, the earliest delay winning', async () => {
    const seen: string[] = []
    const queue = aQueue(async (key) => {
      seen.push(`${key}@${Date.now()}`)
    })
    const start = Date.now()
    queue.addAfter('a', 500)
    queue.addAfter('a', 300)
    queue.addAfter('a', 900)
    expect(queue.delayedCount).toBe(1)
    await vi.advanceTimersByTimeAsync(299)
    expect(seen).toEqual([])
    await vi.advanceTimersByTimeAsync(1000)
    expect(seen).toEqual([`a@${start + 300}`])
  })

  test('requeues a key after the delay its handler asked for', async () => {
    let passes = 0
    const queue = aQueue(async () => {
      passes++
      return passes < 3 ? { requeueAfterMs: 1000 } : undefined
    })
    queue.add('a')
    await vi.advanceTimersByTimeAsync(999)
    expect(passes).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(passes).toBe(2)
    await vi.runAllTimersAsync()
    expect(passes).toBe(3)
  })

  test('drops a pending retry when the key is forgotten', async () => {
    let passes = 0
    const queue = aQueue(
      async () => {
        passes++
        throw new Error('boom')
      },
      { baseDelayMs: 100 },
    )
    queue.add('a')
    await vi.advanceTimersByTimeAsync(0)
    queue.forget('a')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(passes).toBe(1)
    expect(queue.failures('a')).toBe(0)
  })

  test('stop waits for passes in flight and then takes no more keys', async () => {
    const pass = deferred<void>()
    const seen: string[] = []
    const queue = aQueue(async (key) => {
      seen.push(key)
      if (key === 'slow') await pass.promise
    })
    queue.add('slow')
    queue.addAfter('later', 100)
    let stopped = false
    const stopping = queue.stop().then(() => {
      stopped = true
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(stopped).toBe(false)
    pass.resolve()
    await stopping
    queue.add('after-stop')
    await vi.advanceTimersByTimeAsync(1000)
    expect(seen).toEqual(['slow'])
    expect(queue.delayedCount).toBe(0)
  })

  test('stop with abort aborts the signal of passes in flight', async () => {
    let signal: AbortSignal | undefined
    const queue = aQueue(async (_key, s) => {
      signal = s
      await new Promise((resolve) => s.addEventListener('abort', resolve))
    })
    queue.add('a')
    await vi.advanceTimersByTimeAsync(0)
    expect(signal?.aborted).toBe(false)
    await queue.stop({ abort: true })
    expect(signal?.aborted).toBe(true)
  })

  test('tells onDone of each pass with its error', async () => {
    const outcomes: { key: string; error?: unknown }[] = []
    const queue = aQueue(
      async (key) => {
        if (key === 'bad') throw new Error('nope')
      },
      { onDone: ({ key, error }) => outcomes.push({ key, error }) },
    )
    queue.add('good')
    queue.add('bad')
    await vi.advanceTimersByTimeAsync(0)
    expect(outcomes).toEqual([{ key: 'good' }, { key: 'bad', error: new Error('nope') }])
    await queue.stop()
  })
})

describe('TokenBucket', () => {
  test('hands out a burst at once, then one token per interval', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 3 }, 0)
    expect([bucket.reserve(0), bucket.reserve(0), bucket.reserve(0)]).toEqual([0, 0, 0])
    expect([bucket.reserve(0), bucket.reserve(0)]).toEqual([100, 200])
    expect(bucket.reserve(1000), 'refilled, minus the two reservations').toBe(0)
  })

  test('spaces the retries of many failing keys by the overall retry rate', async () => {
    vi.useFakeTimers()
    try {
      const retries: number[] = []
      const queue = new WorkQueue(
        async () => {
          throw new Error('kafka down')
        },
        {
          concurrency: 100,
          baseDelayMs: 10,
          jitter: 0,
          retryRateLimit: { perSecond: 100, burst: 5 },
          onDone: ({ retryInMs }) => retries.push(retryInMs ?? -1),
        },
      )
      queue.start()
      for (let i = 0; i < 20; i++) queue.add(`k${i}`)
      await vi.advanceTimersByTimeAsync(0)
      expect(retries).toHaveLength(20)
      expect(retries.slice(0, 5)).toEqual([10, 10, 10, 10, 10])
      expect(retries.at(-1)).toBe(150)
      await queue.stop()
    } finally {
      vi.useRealTimers()
    }
  })
})

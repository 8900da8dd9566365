import { describe, expect, test } from 'vitest'
import { FakeClock, sleep } from './clock.ts'

describe('FakeClock', () => {
  test('runs the timers due by the end of a step, earliest first, each at its own time', () => {
    const clock = new FakeClock(1_000)
    const ran: string[] = []
    clock.setTimeout(() => ran.push(`late@${clock.now()}`), 300)
    clock.setTimeout(() => ran.push(`early@${clock.now()}`), 100)
    const cancel = clock.setTimeout(() => ran.push('cancelled'), 50)
    clock.setTimeout(() => ran.push('after the step'), 301)
    cancel()
    expect(clock.step(300)).toBe(2)
    expect(ran).toEqual(['early@1100', 'late@1300'])
    expect(clock.now()).toBe(1_300)
    expect(clock.nextDue).toBe(1_301)
    expect(clock.timersSet).toBe(4)
  })

  test('runs a timer set by a timer within the same step when it falls due by then', () => {
    const clock = new FakeClock()
    const ran: number[] = []
    clock.setTimeout(() => {
      ran.push(clock.now())
      clock.setTimeout(() => ran.push(clock.now()), 10)
    }, 10)
    clock.step(20)
    expect(ran).toEqual([10, 20])
  })
})

describe('sleep', () => {
  test('resolves once its time has passed on the clock', async () => {
    const clock = new FakeClock()
    let woke = false
    const slept = sleep(100, clock).then(() => {
      woke = true
    })
    clock.step(99)
    await Promise.resolve()
    expect(woke).toBe(false)
    clock.step(1)
    await slept
    expect(woke).toBe(true)
  })

  test('resolves early when aborted, and drops its timer', async () => {
    const clock = new FakeClock()
    const stop = new AbortController()
    const slept = sleep(60_000, clock, stop.signal)
    expect(clock.nextDue).toBe(60_000)
    stop.abort()
    await slept
    expect(clock.nextDue).toBeUndefined()
    await sleep(60_000, clock, stop.signal)
  })
})

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FakeClock } from '@fjord/time/clock'
import { describe, expect, test, vi } from 'vitest'
import { type RetryPolicy, retryAfterMs, sendRetrying, waitBeforeRetry } from './retry.ts'

const policy: RetryPolicy = {
  retries: 2,
  backoff: { initialMs: 1_000, maxMs: 4_000, jitter: 0 },
  maxWaitMs: 60_000,
}

const now = Date.parse('2026-03-01T12:00:00Z')
const aRequest = (method = 'GET', body?: string) =>
  new Request('http://api.test/v1/auth/login', { method, body })
const anAnswer = (status: number, retryAfter?: string) =>
  new Response(null, { status, headers: retryAfter ? { 'retry-after': retryAfter } : {} })

describe('retryAfterMs', () => {
  test('reads delay-seconds and HTTP dates', () => {
    expect(retryAfterMs('120', now)).toBe(120_000)
    expect(retryAfterMs(' 0 ', now)).toBe(0)
    expect(retryAfterMs('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000)
  })

  test('a date gone by is no wait, and what it cannot read is none', () => {
    expect(retryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0)
    expect(retryAfterMs('soon', now)).toBeUndefined()
    expect(retryAfterMs('-5', now)).toBeUndefined()
    expect(retryAfterMs('', now)).toBeUndefined()
    expect(retryAfterMs(null, now)).toBeUndefined()
  })
})

describe('waitBeforeRetry', () => {
  const wait = (request: Request, response: Response, retry = 0) =>
    waitBeforeRetry(request, response, retry, now, policy)

  test('a 429 is retried whatever the method, after the backoff when it says no time', () => {
    expect(wait(aRequest('POST', '{}'), anAnswer(429))).toBe(1_000)
    expect(wait(aRequest('GET'), anAnswer(429), 1)).toBe(2_000)
  })

  test('waits at least Retry-After, and the backoff when it is longer', () => {
    expect(wait(aRequest(), anAnswer(429, '7'))).toBe(7_000)
    expect(wait(aRequest(), anAnswer(429, 'Sun, 01 Mar 2026 12:00:03 GMT'))).toBe(3_000)
    expect(wait(aRequest(), anAnswer(429, '0'), 1)).toBe(2_000)
  })

  test('a 503 is retried only with Retry-After, and only for an idempotent method', () => {
    expect(wait(aRequest('GET'), anAnswer(503, '2'))).toBe(2_000)
    expect(wait(aRequest('DELETE'), anAnswer(503, '2'))).toBe(2_000)
    expect(wait(aRequest('POST', '{}'), anAnswer(503, '2'))).toBeUndefined()
    expect(wait(aRequest('GET'), anAnswer(503))).toBeUndefined()
  })

  test('other answers are not retried', () => {
    for (const status of [200, 400, 401, 409, 500, 502]) {
      expect(wait(aRequest(), anAnswer(status, '1')), `status ${status}`).toBeUndefined()
    }
  })

  test('gives up after the last retry, or when Retry-After is longer than it waits', () => {
    expect(wait(aRequest(), anAnswer(429), 2)).toBeUndefined()
    expect(wait(aRequest(), anAnswer(429, '61'))).toBeUndefined()
    expect(wait(aRequest(), anAnswer(429, '60'))).toBe(60_000)
  })
})

describe('sendRetrying', () => {
  /** A fetch that answers `answers` in turn and records the method and body of each request. */
  function anApi(...answers: Response[]) {
    const sent: string[] = []
    const send = async (request: Request) => {
      sent.push(`${request.method} ${await request.text()}`)
      const answer = answers.shift()
      if (!answer) throw new Error('no answer left')
      return answer
    }
    return { send, sent }
  }

  test('sends a POST again, body and all, once Retry-After has passed', async () => {
    const clock = new FakeClock(now)
    const api = anApi(anAnswer(429, '2'), new Response('{"ok":true}', { status: 200 }))
    const said: string[] = []
    const answer = sendRetrying(aRequest('POST', '{"email":"ada@example.com"}'), api.send, {
      clock,
      policy,
      say: (line) => said.push(line),
    })
    await vi.waitFor(() => expect(clock.nextDue).toBeDefined())
    expect(api.sent).toHaveLength(1)
    expect(said).toEqual([
      'the API is busy (429 to POST /v1/auth/login): trying again in 2.0s (1 of 2)',
    ])
    expect(clock.step(1_999), 'a retry before Retry-After').toBe(0)
    expect(clock.step(1)).toBe(1)
    const response = await answer
    expect(response.status).toBe(200)
    expect(api.sent).toEqual([
      'POST {"email":"ada@example.com"}',
      'POST {"email":"ada@example.com"}',
    ])
  })

  test('answers the last 429 once the retries are spent', async () => {
    const clock = new FakeClock(now)
    const api = anApi(anAnswer(429), anAnswer(429), anAnswer(429, '1'))
    const answer = sendRetrying(aRequest(), api.send, { clock, policy })
    for (const backoff of [1_000, 2_000]) {
      await vi.waitFor(() => expect(clock.nextDue).toBe(clock.now() + backoff))
      clock.step(backoff)
    }
    expect((await answer).status).toBe(429)
    expect(api.sent).toHaveLength(3)
  })

  test('says nothing and waits for nothing when the first answer is not busy', async () => {
    const clock = new FakeClock(now)
    const said: string[] = []
    const api = anApi(anAnswer(404))
    const response = await sendRetrying(aRequest(), api.send, {
      clock,
      policy,
      say: (line) => said.push(line),
    })
    expect(response.status).toBe(404)
    expect(said).toEqual([])
    expect(clock.timersSet).toBe(0)
  })

  test('retries through a real HTTP server, with a fresh body each time', async () => {
    const bodies: string[] = []
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => {
        bodies.push(body)
        response.writeHead(bodies.length === 1 ? 429 : 201, { 'retry-after': '1' }).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const clock = new FakeClock(now)
      const request = new Request(`http://127.0.0.1:${port}/v1/things`, {
        method: 'POST',
        body: 'payload',
      })
      const answer = sendRetrying(request, (attempt) => fetch(attempt), { clock, policy })
      await vi.waitFor(() => expect(clock.nextDue).toBeDefined())
      clock.step(1_000)
      expect((await answer).status).toBe(201)
      expect(bodies).toEqual(['payload', 'payload'])
    } finally {
      server.close()
    }
  })
})

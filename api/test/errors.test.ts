import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { aTenant } from '@fjord/testing/tenants'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi({ bodyLimitBytes: 2048 })
})
afterAll(() => api.close())

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.headers.get('content-type')).toBe('application/problem+json')
  const problem = await expectStatus(response, status)
  expect(problem).toMatchObject({
    status,
    code,
    type: expect.stringContaining(code.replaceAll('_', '-')),
  })
  expect(JSON.stringify(problem)).not.toMatch(/ at .*\.ts:\d+/)
  return problem
}

describe('problems for bad input', () => {
  it('answers malformed JSON with 400', async () => {
    const tenant = await aTenant(api)
    const response = await api.request('POST', `/v1/orgs/${tenant.org}/clusters`, {
      as: tenant.owner,
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    })
    await expectProblem(response, 400, 'bad_request')
  })

  it('answers a body that is not JSON with 415', async () => {
    const tenant = await aTenant(api)
    const response = await api.request('POST', `/v1/orgs/${tenant.org}/clusters`, {
      as: tenant.owner,
      rawBody: 'name=main',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    await expectProblem(response, 415, 'unsupported_media_type')
  })

  it('answers an oversized body with 413', async () => {
    const tenant = await aTenant(api)
    const response = await api.request('POST', `/v1/orgs/${tenant.org}/clusters`, {
      as: tenant.owner,
      body: { name: 'main', description: 'x'.repeat(4096) },
    })
    await expectProblem(response, 413, 'payload_too_large')
  })

  it('answers wrong types field by field with 422', async () => {
    const tenant = await aTenant(api)
    const problem = await expectProblem(
      await api.request('POST', `/v1/orgs/${tenant.org}/clusters`, {
        as: tenant.owner,
        body: { name: 7, region: [] },
      }),
      422,
      'validation_failed',
    )
    const paths = new Set((problem.errors as { path: string }[]).map((error) => error.path))
    expect([...paths].sort()).toEqual(['name', 'region'])
  })

  it('answers an unknown route with 404 and a known route with the wrong method with 405', async () => {
    await expectProblem(await api.request('GET', '/v1/nothing-here'), 404, 'not_found')
    const response = await api.request('DELETE', '/v1/me')
    expect(response.headers.get('allow')).toContain('GET')
    await expectProblem(response, 405, 'method_not_allowed')
  })

  it('echoes a caller-supplied request id and makes one up otherwise, on answers and problems', async () => {
    const requests: [string, string, string | undefined][] = [
      ['GET', '/healthz', undefined],
      ['GET', '/v1/nothing-here', undefined],
      ['GET', '/v1/me', undefined],
      ['POST', '/v1/auth/signup', '{"email": 1}'],
    ]
    for (const [method, path, rawBody] of requests) {
      const headers = { 'content-type': 'application/json' }
      const echoed = await api.request(method, path, {
        rawBody,
        headers: { ...headers, 'x-request-id': 'trace-123' },
      })
      expect(echoed.headers.get('x-request-id'), `${method} ${path}`).toBe('trace-123')
      const made = await api.request(method, path, { rawBody, headers })
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    }
  })
})

describe('the API description and operations endpoints', () => {
  it('serves an OpenAPI 3.1 document describing every route with its problems', async () => {
    const document = (await expectStatus(await api.request('GET', '/v1/openapi.json'), 200)) as {
      openapi: string
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
      components: { schemas: Record<string, unknown> }
    }
    expect(document.openapi).toBe('3.1.0')
    expect(document.components.schemas).toHaveProperty('Problem')
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const codes = Object.keys(operation.responses)
        expect(
          codes.some((code) => code.startsWith('2')),
          `${method} ${path} success`,
        ).toBe(true)
        if (path.startsWith('/v1')) expect(codes, `${method} ${path} problems`).toContain('422')
      }
    }
  })

  it('passes the OpenAPI 3.1 schema validator', async () => {
    const document = await expectStatus(await api.request('GET', '/v1/openapi.json'), 200)
    const result = await new Validator().validate(document)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
  })

  it('renders the reference at /docs', async () => {
    const response = await api.request('GET', '/docs')
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('/v1/openapi.json')
  })

  it('counts requests by route and status for Prometheus', async () => {
    await api.request('GET', '/healthz')
    const metrics = await (await api.request('GET', '/metrics')).text()
    expect(metrics).toMatch(
      /fjord_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/,
    )
    expect(metrics).toContain('fjord_http_request_duration_seconds_bucket')
  })
})

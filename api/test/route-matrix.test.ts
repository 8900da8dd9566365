import { KubeClient } from '@fjord/kube/client'
import { readStackEnv } from '@fjord/stack/env'
import {
  anonymous,
  type Caller,
  expectStatus,
  json,
  type RequestOptions,
  startTestApi,
  type TestApi,
} from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import { aMember, aTenant, type Tenant, withRoomyQuota } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Role, roles } from '../src/auth/roles.ts'
import { sha256Hex } from '../src/auth/tokens.ts'
import { idempotencyKeys } from '../src/db/schema/index.ts'
import { Contract, conformingTo, type OpenApiDocument } from './support/conformance.ts'
import { type Input, platformToken, type Scenario, scenarios } from './support/route-scenarios.ts'

// The matrix is generated from the OpenAPI document: a route without a scenario in
// support/route-scenarios.ts fails the first test, so no route skips these checks. Every
// answer the api gives here, setup included, must keep the document's promise for its
// operation (a declared status, and a body its schema accepts), or the request throws.
function urlOf(path: string, params: Record<string, string>, query?: string): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? `missing-${name}`),
  )
  return query ? `${filled}?${query}` : filled
}

function roleBelow(role: Role): Role | undefined {
  return roles[roles.indexOf(role) - 1]
}

interface DocumentedOperation {
  'x-fjord-role'?: Role
  security?: unknown[]
  requestBody?: unknown
  parameters?: { name: string; in: string }[]
}

interface Operation {
  method: string
  path: string
  role: Role | undefined
  secured: boolean
  takesBody: boolean
  takesWait: boolean
}

let api: TestApi
let operations: Operation[] = []

beforeAll(async () => {
  const started = await startTestApi(
    { platformToken },
    { kube: KubeClient.fromFile(readStackEnv().kube.kubeconfig) },
  )
  const document = await json<
    OpenApiDocument & { paths: Record<string, Record<string, DocumentedOperation>> }
  >(await started.request('GET', '/v1/openapi.json'))
  api = conformingTo(new Contract(document), started)
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      role: operation['x-fjord-role'],
      secured: (operation.security ?? []).length > 0,
      takesBody: operation.requestBody !== undefined,
      takesWait: (operation.parameters ?? []).some(
        (parameter) => parameter.in === 'query' && parameter.name === 'wait',
      ),
    })),
  )
})

afterAll(() => api.close())

type Call = (
  as: Caller,
  override?: Input,
  options?: Pick<RequestOptions, 'headers' | 'rawBody'>,
) => Promise<Response>

/** Calls the operation in `tenant` with `input`, or with parts of it overridden. */
function callerOf({ method, path }: Operation, tenant: Tenant, input: Input): Call {
  return (as, override = {}, options = {}) => {
    const body = 'body' in override ? override.body : input.body
    const params = { org: tenant.org, ...input.params, ...override.params }
    return api.request(method, urlOf(path, params, override.query ?? input.query), {
      as,
      ...(body === undefined || options.rawBody !== undefined ? {} : { body }),
      ...options,
    })
  }
}

/**
 * What runs before any route answers alike, whatever the route does: a bad API key, a body
 * that is not JSON, an Idempotency-Key still in use or reused with another request.
 */
async function expectCommonAnswers(operation: Operation, tenant: Tenant, input: Input) {
  const call = callerOf(operation, tenant, input)
  const caller = input.as ?? tenant.owner
  const underV1 = operation.path.startsWith('/v1/')
  if (underV1) await expectStatus(await call({ kind: 'api_key', token: 'fjord_nokey' }), 401)
  if (operation.takesBody) {
    const headers = { 'content-type': 'application/json' }
    await expectStatus(await call(caller, {}, { rawBody: '{"', headers }), 400)
  }
  if (operation.method === 'POST' && underV1 && caller.kind === 'session') {
    const me = await json<{ user: { id: string } }>(
      await api.request('GET', '/v1/me', { as: caller }),
    )
    const path = urlOf(operation.path, { org: tenant.org, ...input.params })
    const body = input.body === undefined ? '' : JSON.stringify(input.body)
    const thisRequest = sha256Hex(`${path}\n${body}`)
    for (const [requestHash, status] of [
      [thisRequest, 409],
      ['another request', 422],
    ] as const) {
      const key = uniqueName('idempotency')
      await api.database.db.insert(idempotencyKeys).values({
        principalId: `user:${me.user.id}`,
        key,
        requestHash,
        lockedUntil: new Date(Date.now() + 60_000),
      })
      await expectStatus(await call(caller, {}, { headers: { 'idempotency-key': key } }), status)
    }
  }
}

/**
 * `?wait=true` that runs out of time: this api provisions nothing, so the change stays
 * Pending and the answer is 504 (or the success, should something else provision it).
 */
async function expectWaitAnswers(operation: Operation, scenario: Scenario) {
  const tenant = await aTenant(api)
  await withRoomyQuota(api, tenant)
  const input = await scenario.valid(api, tenant)
  const query = [input.query, 'wait=true&timeoutSeconds=1'].filter(Boolean).join('&')
  const response = await callerOf(operation, tenant, input)(input.as ?? tenant.owner, { query })
  expect([scenario.succeeds, 504]).toContain(response.status)
}

/** What the permissions route says of `operation` for `caller`, whom the route then holds to. */
async function mayCall(tenant: Tenant, caller: Caller, operation: string): Promise<unknown> {
  const permissions = await expectStatus(
    await api.request('GET', `/v1/orgs/${tenant.org}/permissions`, { as: caller }),
    200,
  )
  return (permissions.operations as Record<string, boolean>)[operation]
}

describe('the route matrix', () => {
  it('has a scenario for every route of the OpenAPI document, and none for a route that is gone', () => {
    const documented = operations.map((operation) => `${operation.method} ${operation.path}`).sort()
    expect(documented).toEqual(Object.keys(scenarios).sort())
  })

  it.each(Object.keys(scenarios))(
    '%s answers success, validation failure, 401, 403, another org 404 and more, as documented',
    async (key) => {
      const scenario = scenarios[key] as Scenario
      const [method = '', path = ''] = key.split(' ')
      const operation = operations.find(
        (candidate) => candidate.method === method && candidate.path === path,
      )
      if (!operation) throw new Error(`${key} is not in the OpenAPI document`)
      const tenant = await aTenant(api)
      await withRoomyQuota(api, tenant)
      const input = await scenario.valid(api, tenant)
      const call = callerOf(operation, tenant, input)
      const caller = input.as ?? (scenario.caller === 'anonymous' ? anonymous : tenant.owner)

      if (path.includes('{org}')) {
        const outsider = await aTenant(api)
        await expectStatus(await call(anonymous), 401)
        await expectStatus(await call(outsider.owner), 404)
        const below = operation.role && roleBelow(operation.role)
        if (below) {
          const member = await aMember(api, tenant, below)
          await expectStatus(await call(member), 403)
          expect(await mayCall(tenant, member, key)).toBe(false)
        }
        if (operation.role) expect(await mayCall(tenant, tenant.owner, key)).toBe(true)
      } else if (operation.secured) {
        await expectStatus(await call(anonymous), 401)
      }
      if (!('none' in scenario.invalid)) {
        const problem = await expectStatus(await call(caller, scenario.invalid), 422)
        expect(problem.code).toBe('validation_failed')
        expect(problem.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })]),
        )
      }
      await expectCommonAnswers(operation, tenant, { ...input, as: caller })
      for (const answer of (await scenario.otherAnswers?.(api, tenant)) ?? []) {
        await expectStatus(await call(answer.as ?? caller, answer), answer.status)
      }
      await expectStatus(await call(caller), scenario.succeeds)
      if (operation.takesWait) await expectWaitAnswers(operation, scenario)
    },
  )
})

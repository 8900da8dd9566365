import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KubeClient } from '../../operator/src/kube/client.ts'
import { readStackEnv } from '../../stack/src/env.ts'
import { type Role, roles } from '../src/auth/roles.ts'
import { anonymous, type Caller, expectStatus, startTestApi, type TestApi } from './support/api.ts'
import { aMember, aTenant, withRoomyQuota } from './support/builders.ts'
import { type Input, platformToken, type Scenario, scenarios } from './support/route-scenarios.ts'

// The matrix is generated from the OpenAPI document: a route without a scenario in
// support/route-scenarios.ts fails the first test, so no route skips these checks.
function urlOf(path: string, params: Record<string, string>, query?: string): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? `missing-${name}`),
  )
  return query ? `${filled}?${query}` : filled
}

function roleBelow(role: Role): Role | undefined {
  return roles[roles.indexOf(role) - 1]
}

let api: TestApi
let operations: { method: string; path: string; role: Role | undefined; secured: boolean }[] = []

beforeAll(async () => {
  api = await startTestApi(
    { platformToken },
    { kube: KubeClient.fromFile(readStackEnv().kube.kubeconfig) },
  )
  const document = (await (await api.request('GET', '/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, { 'x-fjord-role'?: Role; security?: unknown[] }>>
  }
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      role: operation['x-fjord-role'],
      secured: (operation.security ?? []).length > 0,
    })),
  )
})

afterAll(() => api.close())

describe('the route matrix', () => {
  it('has a scenario for every route of the OpenAPI document, and none for a route that is gone', () => {
    const documented = operations.map((operation) => `${operation.method} ${operation.path}`).sort()
    expect(documented).toEqual(Object.keys(scenarios).sort())
  })

  it.each(Object.keys(scenarios))(
    '%s answers success, validation failure, 401, 403 and another org 404',
    async (key) => {
      const scenario = scenarios[key] as Scenario
      const [method = '', path = ''] = key.split(' ')
      const operation = operations.find(
        (candidate) => candidate.method === method && candidate.path === path,
      )
      const tenant = await aTenant(api)
      await withRoomyQuota(api, tenant)
      const input = await scenario.valid(api, tenant)
      const params = { org: tenant.org, ...input.params }
      const call = (as: Caller, override: Input = {}) =>
        api.request(
          method,
          urlOf(path, { ...params, ...override.params }, override.query ?? input.query),
          {
            as,
            ...('body' in override || input.body !== undefined
              ? { body: 'body' in override ? override.body : input.body }
              : {}),
          },
        )
      const caller = input.as ?? (scenario.caller === 'anonymous' ? anonymous : tenant.owner)

      if (path.includes('{org}')) {
        const outsider = await aTenant(api)
        await expectStatus(await call(anonymous), 401)
        await expectStatus(await call(outsider.owner), 404)
        const below = operation?.role && roleBelow(operation.role)
        if (below) await expectStatus(await call(await aMember(api, tenant, below)), 403)
      } else if (operation?.secured) {
        await expectStatus(await call(anonymous), 401)
      }
      if (!('none' in scenario.invalid)) {
        const problem = await expectStatus(await call(caller, scenario.invalid), 422)
        expect(problem.code).toBe('validation_failed')
        expect(problem.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })]),
        )
      }
      await expectStatus(await call(caller), scenario.succeeds)
    },
  )
})

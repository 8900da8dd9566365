import { createRoute, type RouteConfig, z } from '@hono/zod-openapi'
import type { Context, TypedResponse } from 'hono'
import { changesAccess, orgAccess, requirePrincipal, requireUser } from '../auth/middleware.ts'
import type { Role } from '../auth/roles.ts'
import { errorCodes } from '../errors.ts'

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(errorCodes).openapi({ example: 'validation_failed' }),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .openapi('Problem')

const problemDescriptions: Record<number, string> = {
  400: 'Malformed request (bad JSON)',
  401: 'Not authenticated, or the API key sent is invalid or revoked',
  403: 'Authenticated, but the role is not enough (or the CSRF token is missing)',
  404: 'No such resource in this organization',
  409: 'Conflicts with the current state, or the first request with this Idempotency-Key still runs',
  412: 'If-Match does not match the current ETag',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Validation failed, quota exceeded, or idempotency key reused',
  429: 'Rate limited',
  502: 'Kubernetes refused the change; trying again will not help until the platform fixes it',
  503: 'A service it needs (database, Kubernetes) cannot be reached; try again',
  504: 'With ?wait=true: not Ready or Failed in time; the change was accepted and goes on',
}

type ProblemResponse = {
  description: string
  content: { 'application/problem+json': { schema: typeof ProblemSchema } }
}

const problemResponse = (description: string): ProblemResponse => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
})

export function problems(...statuses: number[]): Record<number, ProblemResponse> {
  return Object.fromEntries(
    statuses.map((status) => [status, problemResponse(problemDescriptions[status] ?? 'Problem')]),
  )
}

/** One problem status, described as what it means for the route that declares it. */
export function problem(status: number, description: string): Record<number, ProblemResponse> {
  return { [status]: problemResponse(description) }
}

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
})

export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
})

/**
 * A 200 whose body is JSON rendered elsewhere (by PostgreSQL) in the shape of the route's
 * response schema `T`; tests hold the two renderings equal.
 */
export function renderedJson<T>(c: Context, body: string): TypedResponse<T, 200, 'json'> {
  return c.body(body, 200, { 'content-type': 'application/json' }) as unknown as TypedResponse<
    T,
    200,
    'json'
  >
}

const security: Record<string, string[]>[] = [{ bearer: [] }, { session: [] }]
type RouteInput = Omit<RouteConfig, 'middleware' | 'security'>

/**
 * `statuses`, and what runs before every `/v1` route: an invalid API key is 401 even where
 * none is needed, and a POST's Idempotency-Key may be in use (409) or reused (422). The
 * helpers below add these to each route's own; a route that declares one of them itself
 * keeps its own, more telling description.
 */
function commonProblems(route: RouteInput, ...statuses: number[]) {
  return problems(401, ...statuses, ...(route.method === 'post' ? [409, 422] : []))
}

export interface RouteOptions {
  /** Its writes change who may do what: see `changesAccess`. */
  changesAccess?: boolean
}

const accessChanges = (options: RouteOptions) => (options.changesAccess ? [changesAccess] : [])

/** A route anyone may call (sign-up, login, health). */
export function publicRoute<const R extends RouteInput>(route: R, options: RouteOptions = {}) {
  return createRoute({
    ...route,
    middleware: accessChanges(options),
    responses: { ...commonProblems(route, 400, 413, 415, 422, 429), ...route.responses },
  })
}

/** A route for any authenticated caller, user or API key. */
export function principalRoute<const R extends RouteInput>(route: R, options: RouteOptions = {}) {
  return createRoute({
    ...route,
    middleware: [requirePrincipal, ...accessChanges(options)],
    security,
    responses: { ...commonProblems(route, 400, 403, 413, 415, 422), ...route.responses },
  })
}

/** A route for a signed-in user only (not an API key). */
export function userRoute<const R extends RouteInput>(route: R, options: RouteOptions = {}) {
  return createRoute({
    ...route,
    middleware: [requireUser, ...accessChanges(options)],
    security,
    responses: { ...commonProblems(route, 400, 403, 413, 415, 422), ...route.responses },
  })
}

/** An operation inside `/v1/orgs/{org}` and the least role it needs. */
export interface OrgOperation {
  /** `METHOD path`, as in the OpenAPI document: `POST /v1/orgs/{org}/clusters`. */
  operation: string
  role: Role
}

const operations: OrgOperation[] = []

/** Every operation declared with `orgRoute`, for the permissions route to answer from. */
export function orgOperations(): readonly OrgOperation[] {
  return operations
}

/** A route inside `/v1/orgs/{org}` that needs at least `role` there. */
export function orgRoute<const R extends RouteInput>(
  role: Role,
  route: R,
  options: RouteOptions = {},
) {
  operations.push({ operation: `${route.method.toUpperCase()} ${route.path}`, role })
  return createRoute({
    ...route,
    middleware: [orgAccess(role), ...accessChanges(options)],
    security,
    'x-fjord-role': role,
    responses: {
      ...commonProblems(route, 400, 403, 404, 409, 412, 413, 415, 422),
      ...route.responses,
    },
  })
}

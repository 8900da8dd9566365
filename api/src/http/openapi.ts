import { createRoute, type RouteConfig, z } from '@hono/zod-openapi'
import type { Context, TypedResponse } from 'hono'
import { changesAccess, orgAccess, requirePrincipal, requireUser } from '../auth/middleware.ts'
import type { Role } from '../auth/roles.ts'

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: 'validation_failed' }),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .openapi('Problem')

const problemDescriptions: Record<number, string> = {
  400: 'Malformed request (bad JSON)',
  401: 'Not authenticated',
  403: 'Authenticated, but the role is not enough (or the CSRF token is missing)',
  404: 'No such resource in this organization',
  409: 'Conflicts with the current state',
  412: 'If-Match does not match the current ETag',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Validation failed, quota exceeded, or idempotency key reused',
  429: 'Rate limited',
}

type ProblemResponse = {
  description: string
  content: { 'application/problem+json': { schema: typeof ProblemSchema } }
}

export function problems(...statuses: number[]): Record<number, ProblemResponse> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: problemDescriptions[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
    ]),
  )
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
    responses: { ...route.responses, ...problems(400, 413, 415, 422, 429) },
  })
}

/** A route for any authenticated caller, user or API key. */
export function principalRoute<const R extends RouteInput>(route: R, options: RouteOptions = {}) {
  return createRoute({
    ...route,
    middleware: [requirePrincipal, ...accessChanges(options)],
    security,
    responses: { ...route.responses, ...problems(400, 401, 403, 413, 415, 422) },
  })
}

/** A route for a signed-in user only (not an API key). */
export function userRoute<const R extends RouteInput>(route: R, options: RouteOptions = {}) {
  return createRoute({
    ...route,
    middleware: [requireUser, ...accessChanges(options)],
    security,
    responses: { ...route.responses, ...problems(400, 401, 403, 413, 415, 422) },
  })
}

/** A route inside `/v1/orgs/{org}` that needs at least `role` there. */
export function orgRoute<const R extends RouteInput>(
  role: Role,
  route: R,
  options: RouteOptions = {},
) {
  return createRoute({
    ...route,
    middleware: [orgAccess(role), ...accessChanges(options)],
    security,
    'x-fjord-role': role,
    responses: { ...route.responses, ...problems(400, 401, 403, 404, 409, 412, 413, 415, 422) },
  })
}

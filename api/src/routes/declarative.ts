import type { z } from '@hono/zod-openapi'
import type { Role } from '../auth/roles.ts'
import type { AppContext, Tenant } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute, problems } from '../http/openapi.ts'
import type { newRouter } from '../http/router.ts'
import {
  deleteResource,
  getResource,
  patchResource,
  putResource,
  type ResourceKind,
  WaitQuerySchema,
} from '../resources/declarative.ts'
import { IfMatchHeaders } from './schemas.ts'

// biome-ignore lint/suspicious/noExplicitAny: each kind has rows and specs of its own
type AnyKind = ResourceKind<any, any, unknown>

/** One kind of declarative resource as the routes of its items see it. */
export interface ItemRoutes<Param extends string> {
  /** The item's path; the path parameter `name` names the item. */
  path: string
  params: z.ZodObject<Record<Param, z.ZodString>>
  name: NoInfer<Param>
  tags: string[]
  /** The least role that may change it; any member may read it. */
  writer: Role
  /** What it is called in summaries, as in "One topic". */
  noun: string
  /** What every route answers, and the bodies of PUT and PATCH. */
  schema: z.ZodType
  spec: z.ZodType
  patch: z.ZodType
  /** What a PATCH may and may not do, and what a DELETE takes with it, as the summaries say. */
  patchNote?: string
  deleteNote?: string
  kindFor(c: AppContext, params: Record<Param, string>): Promise<{ tenant: Tenant; kind: AnyKind }>
}

/**
 * GET, PUT, PATCH and DELETE of one item by name, alike for every declarative kind: ETags and
 * If-Match, `?wait=true`, audit and outbox (see resources/declarative.ts).
 */
export function addItemRoutes<Param extends string>(
  app: ReturnType<typeof newRouter>,
  routes: ItemRoutes<Param>,
): void {
  const { path, tags, writer, noun, schema } = routes
  // The routes' types are worked out for any path parameters; the handlers read them by name.
  const paramSchema = routes.params as z.ZodObject<Record<string, z.ZodString>>
  const named = (valid: Record<string, string>) => ({
    params: valid as Record<Param, string>,
    name: valid[routes.name] as string,
  })

  const getItem = orgRoute('viewer', {
    method: 'get',
    path,
    tags,
    summary: `One ${noun}`,
    request: { params: paramSchema, query: WaitQuerySchema },
    responses: { 200: jsonResponse(`The ${noun}`, schema), ...problems(504) },
  })
  app.openapi(getItem, async (c) => {
    const { params, name } = named(c.req.valid('param'))
    const { kind } = await routes.kindFor(c, params)
    return c.json(await getResource(c, kind, name, c.req.valid('query')), 200)
  })

  const putItem = orgRoute(writer, {
    method: 'put',
    path,
    tags,
    summary: `Create or update a ${noun} by name`,
    request: {
      params: paramSchema,
      query: WaitQuerySchema,
      headers: IfMatchHeaders,
      body: jsonBody(routes.spec),
    },
    responses: {
      200: jsonResponse('Updated (or unchanged)', schema),
      201: jsonResponse('Created', schema),
      ...problems(504),
    },
  })
  app.openapi(putItem, async (c) => {
    const { params, name } = named(c.req.valid('param'))
    const { tenant, kind } = await routes.kindFor(c, params)
    const spec = kind.parseSpec(c.req.valid('json'))
    const written = await putResource(c, tenant, kind, name, spec, c.req.valid('query'))
    return c.json(written.shown, written.created ? 201 : 200)
  })

  const patchItem = orgRoute(writer, {
    method: 'patch',
    path,
    tags,
    summary: `Merge-patch a ${noun}${routes.patchNote ? ` (${routes.patchNote})` : ''}`,
    request: {
      params: paramSchema,
      query: WaitQuerySchema,
      headers: IfMatchHeaders,
      body: jsonBody(routes.patch),
    },
    responses: { 200: jsonResponse('Updated', schema), ...problems(504) },
  })
  app.openapi(patchItem, async (c) => {
    const { params, name } = named(c.req.valid('param'))
    const { tenant, kind } = await routes.kindFor(c, params)
    const patch = c.req.valid('json') as Record<string, unknown>
    const { shown } = await patchResource(c, tenant, kind, name, patch, c.req.valid('query'))
    return c.json(shown, 200)
  })

  const deleteItem = orgRoute(writer, {
    method: 'delete',
    path,
    tags,
    summary: `Start deleting a ${noun}${routes.deleteNote ? `, ${routes.deleteNote}` : ''}`,
    request: { params: paramSchema, headers: IfMatchHeaders },
    responses: { 202: jsonResponse('Deletion started, phase Deleting', schema) },
  })
  app.openapi(deleteItem, async (c) => {
    const { params, name } = named(c.req.valid('param'))
    const { tenant, kind } = await routes.kindFor(c, params)
    const { shown } = await deleteResource(c, tenant, kind, name)
    return c.json(shown, 202)
  })
}

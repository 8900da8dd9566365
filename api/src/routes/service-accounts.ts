import { z } from '@hono/zod-openapi'
import { and, asc, eq, gt } from 'drizzle-orm'
import { serviceAccounts } from '../db/schema/index.ts'
import { type AppContext, tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { ResourceNameSchema } from '../kafka/names.ts'
import { findClusterOr404 } from '../resources/clusters.ts'
import {
  createResource,
  deleteResource,
  getResource,
  patchResource,
  putResource,
  WaitQuerySchema,
} from '../resources/declarative.ts'
import { decodeCursor, PageQuerySchema, pageFrom, pageOf } from '../resources/pagination.ts'
import {
  presentServiceAccount,
  ServiceAccountPatchSchema,
  ServiceAccountSchema,
  ServiceAccountSpecSchema,
  serviceAccountKind,
} from '../resources/service-accounts.ts'
import { ClusterParams, IfMatchHeaders } from './schemas.ts'

export const ServiceAccountParams = ClusterParams.extend({
  serviceAccount: ResourceNameSchema.openapi({ param: { name: 'serviceAccount', in: 'path' } }),
})
const CreateServiceAccountSchema = z
  .object({ name: ResourceNameSchema })
  .extend(ServiceAccountSpecSchema.shape)
  .strict()
  .openapi('CreateServiceAccount')
const tags = ['service accounts']
const collection = '/v1/orgs/{org}/clusters/{cluster}/service-accounts'
const item = `${collection}/{serviceAccount}` as const

const listServiceAccounts = orgRoute('viewer', {
  method: 'get',
  path: collection,
  tags,
  summary: 'Service accounts (Kafka principals) of a cluster',
  request: { params: ClusterParams, query: PageQuerySchema },
  responses: { 200: jsonResponse('A page of service accounts', pageOf(ServiceAccountSchema)) },
})

const createServiceAccount = orgRoute('developer', {
  method: 'post',
  path: collection,
  tags,
  summary: 'Create a service account with its ACLs',
  request: {
    params: ClusterParams,
    query: WaitQuerySchema,
    body: jsonBody(CreateServiceAccountSchema),
  },
  responses: { 201: jsonResponse('Created, phase Pending', ServiceAccountSchema) },
})

const getServiceAccount = orgRoute('viewer', {
  method: 'get',
  path: item,
  tags,
  summary: 'One service account',
  request: { params: ServiceAccountParams, query: WaitQuerySchema },
  responses: { 200: jsonResponse('The service account', ServiceAccountSchema) },
})

const putServiceAccount = orgRoute('developer', {
  method: 'put',
  path: item,
  tags,
  summary: 'Create or update a service account by name',
  request: {
    params: ServiceAccountParams,
    query: WaitQuerySchema,
    headers: IfMatchHeaders,
    body: jsonBody(ServiceAccountSpecSchema),
  },
  responses: {
    200: jsonResponse('Updated (or unchanged)', ServiceAccountSchema),
    201: jsonResponse('Created', ServiceAccountSchema),
  },
})

const patchServiceAccount = orgRoute('developer', {
  method: 'patch',
  path: item,
  tags,
  summary: 'Merge-patch a service account (acls are replaced whole)',
  request: {
    params: ServiceAccountParams,
    query: WaitQuerySchema,
    headers: IfMatchHeaders,
    body: jsonBody(ServiceAccountPatchSchema),
  },
  responses: { 200: jsonResponse('Updated', ServiceAccountSchema) },
})

const deleteServiceAccount = orgRoute('developer', {
  method: 'delete',
  path: item,
  tags,
  summary: 'Start deleting a service account, its ACLs and credentials',
  request: { params: ServiceAccountParams, headers: IfMatchHeaders },
  responses: { 202: jsonResponse('Deletion started, phase Deleting', ServiceAccountSchema) },
})

async function kindFor(c: AppContext, clusterName: string) {
  const tenant = tenantOf(c)
  const cluster = await findClusterOr404(c.get('db'), tenant, clusterName)
  return { tenant, cluster, kind: serviceAccountKind(tenant, cluster) }
}

export function serviceAccountRoutes() {
  const app = newRouter()

  app.openapi(listServiceAccounts, async (c) => {
    const tenant = tenantOf(c)
    const { limit, cursor } = c.req.valid('query')
    const cluster = await findClusterOr404(c.get('db'), tenant, c.req.valid('param').cluster)
    const rows = await c
      .get('db')
      .select()
      .from(serviceAccounts)
      .where(
        and(
          eq(serviceAccounts.orgId, tenant.orgId),
          eq(serviceAccounts.clusterId, cluster.id),
          cursor ? gt(serviceAccounts.name, decodeCursor<string>(cursor, 'string')) : undefined,
        ),
      )
      .orderBy(asc(serviceAccounts.name))
      .limit(limit + 1)
    return c.json(
      pageFrom(rows, limit, (row) => row.name, presentServiceAccount(cluster)),
      200,
    )
  })

  app.openapi(createServiceAccount, async (c) => {
    const { tenant, cluster, kind } = await kindFor(c, c.req.valid('param').cluster)
    const { name, ...spec } = c.req.valid('json')
    const { shown } = await createResource(
      c,
      tenant,
      kind,
      name,
      kind.parseSpec(spec),
      c.req.valid('query'),
    )
    c.header(
      'location',
      `/v1/orgs/${tenant.orgName}/clusters/${cluster.name}/service-accounts/${name}`,
    )
    return c.json(shown, 201)
  })

  app.openapi(getServiceAccount, async (c) => {
    const { cluster, serviceAccount } = c.req.valid('param')
    const { kind } = await kindFor(c, cluster)
    return c.json(await getResource(c, kind, serviceAccount, c.req.valid('query')), 200)
  })

  app.openapi(putServiceAccount, async (c) => {
    const { cluster, serviceAccount } = c.req.valid('param')
    const { tenant, kind } = await kindFor(c, cluster)
    const spec = kind.parseSpec(c.req.valid('json'))
    const written = await putResource(c, tenant, kind, serviceAccount, spec, c.req.valid('query'))
    return written.created ? c.json(written.shown, 201) : c.json(written.shown, 200)
  })

  app.openapi(patchServiceAccount, async (c) => {
    const { cluster, serviceAccount } = c.req.valid('param')
    const { tenant, kind } = await kindFor(c, cluster)
    const { shown } = await patchResource(
      c,
      tenant,
      kind,
      serviceAccount,
      c.req.valid('json'),
      c.req.valid('query'),
    )
    return c.json(shown, 200)
  })

  app.openapi(deleteServiceAccount, async (c) => {
    const { cluster, serviceAccount } = c.req.valid('param')
    const { tenant, kind } = await kindFor(c, cluster)
    const { shown } = await deleteResource(c, tenant, kind, serviceAccount)
    return c.json(shown, 202)
  })

  return app
}

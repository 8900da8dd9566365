import { z } from '@hono/zod-openapi'
import { and, asc, eq, gt } from 'drizzle-orm'
import { serviceAccounts } from '../db/schema/index.ts'
import { type AppContext, tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute, problems } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { ResourceNameSchema } from '../kafka/names.ts'
import { findClusterOr404 } from '../resources/clusters.ts'
import { createResource, WaitQuerySchema } from '../resources/declarative.ts'
import { decodeCursor, PageQuerySchema, pageFrom, pageOf } from '../resources/pagination.ts'
import {
  presentServiceAccount,
  ServiceAccountPatchSchema,
  ServiceAccountSchema,
  ServiceAccountSpecSchema,
  serviceAccountKind,
} from '../resources/service-accounts.ts'
import { addItemRoutes } from './declarative.ts'
import { ClusterParams } from './schemas.ts'

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
  responses: {
    201: jsonResponse('Created, phase Pending', ServiceAccountSchema),
    ...problems(504),
  },
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

  addItemRoutes(app, {
    path: item,
    params: ServiceAccountParams,
    name: 'serviceAccount',
    tags,
    writer: 'developer',
    noun: 'service account',
    schema: ServiceAccountSchema,
    spec: ServiceAccountSpecSchema,
    patch: ServiceAccountPatchSchema,
    patchNote: 'acls are replaced whole',
    deleteNote: 'its ACLs and credentials',
    kindFor: (c, params) => kindFor(c, params.cluster),
  })

  return app
}

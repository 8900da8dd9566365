import { and, asc, eq, gt } from 'drizzle-orm'
import { clusters } from '../db/schema/index.ts'
import { tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute, problems } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import {
  ClusterPatchSchema,
  ClusterSchema,
  ClusterSpecSchema,
  CreateClusterSchema,
  clusterKind,
  presentCluster,
} from '../resources/clusters.ts'
import { createResource, WaitQuerySchema } from '../resources/declarative.ts'
import { decodeCursor, PageQuerySchema, pageFrom, pageOf } from '../resources/pagination.ts'
import { addItemRoutes } from './declarative.ts'
import { ClusterParams, OrgParams } from './schemas.ts'

const tags = ['clusters']

const listClusters = orgRoute('viewer', {
  method: 'get',
  path: '/v1/orgs/{org}/clusters',
  tags,
  summary: 'Clusters of the organization',
  request: { params: OrgParams, query: PageQuerySchema },
  responses: { 200: jsonResponse('A page of clusters', pageOf(ClusterSchema)) },
})

const createCluster = orgRoute('admin', {
  method: 'post',
  path: '/v1/orgs/{org}/clusters',
  tags,
  summary: 'Create a cluster (checked against the clusters quota)',
  request: { params: OrgParams, query: WaitQuerySchema, body: jsonBody(CreateClusterSchema) },
  responses: { 201: jsonResponse('Created, phase Pending', ClusterSchema), ...problems(504) },
})

export function clusterRoutes() {
  const app = newRouter()

  app.openapi(listClusters, async (c) => {
    const tenant = tenantOf(c)
    const { limit, cursor } = c.req.valid('query')
    const rows = await c
      .get('db')
      .select()
      .from(clusters)
      .where(
        and(
          eq(clusters.orgId, tenant.orgId),
          cursor ? gt(clusters.name, decodeCursor<string>(cursor, 'string')) : undefined,
        ),
      )
      .orderBy(asc(clusters.name))
      .limit(limit + 1)
    return c.json(
      pageFrom(rows, limit, (row) => row.name, presentCluster),
      200,
    )
  })

  app.openapi(createCluster, async (c) => {
    const tenant = tenantOf(c)
    const kind = clusterKind(tenant)
    const { name, ...rest } = c.req.valid('json')
    const { shown } = await createResource(
      c,
      tenant,
      kind,
      name,
      kind.parseSpec(rest),
      c.req.valid('query'),
    )
    c.header('location', `/v1/orgs/${tenant.orgName}/clusters/${name}`)
    return c.json(shown, 201)
  })

  addItemRoutes(app, {
    path: '/v1/orgs/{org}/clusters/{cluster}',
    params: ClusterParams,
    name: 'cluster',
    tags,
    writer: 'admin',
    noun: 'cluster',
    schema: ClusterSchema,
    spec: ClusterSpecSchema,
    patch: ClusterPatchSchema,
    deleteNote: 'with its topics and service accounts',
    kindFor: async (c) => {
      const tenant = tenantOf(c)
      return { tenant, kind: clusterKind(tenant) }
    },
  })

  return app
}

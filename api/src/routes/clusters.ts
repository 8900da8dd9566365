import { and, asc, eq, gt } from 'drizzle-orm'
import { clusters } from '../db/schema/index.ts'
import { tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import {
  ClusterPatchSchema,
  ClusterSchema,
  ClusterSpecSchema,
  CreateClusterSchema,
  clusterKind,
  presentCluster,
} from '../resources/clusters.ts'
import {
  createResource,
  deleteResource,
  getResource,
  patchResource,
  putResource,
  WaitQuerySchema,
} from '../resources/declarative.ts'
import { decodeCursor, PageQuerySchema, pageFrom, pageOf } from '../resources/pagination.ts'
import { ClusterParams, IfMatchHeaders, OrgParams } from './schemas.ts'

const tags = ['clusters']
const path = '/v1/orgs/{org}/clusters/{cluster}'

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
  responses: { 201: jsonResponse('Created, phase Pending', ClusterSchema) },
})

const getCluster = orgRoute('viewer', {
  method: 'get',
  path,
  tags,
  summary: 'One cluster',
  request: { params: ClusterParams, query: WaitQuerySchema },
  responses: { 200: jsonResponse('The cluster', ClusterSchema) },
})

const putCluster = orgRoute('admin', {
  method: 'put',
  path,
  tags,
  summary: 'Create or update a cluster by name',
  request: {
    params: ClusterParams,
    query: WaitQuerySchema,
    headers: IfMatchHeaders,
    body: jsonBody(ClusterSpecSchema),
  },
  responses: {
    200: jsonResponse('Updated (or unchanged)', ClusterSchema),
    201: jsonResponse('Created', ClusterSchema),
  },
})

const patchCluster = orgRoute('admin', {
  method: 'patch',
  path,
  tags,
  summary: 'Merge-patch a cluster',
  request: {
    params: ClusterParams,
    query: WaitQuerySchema,
    headers: IfMatchHeaders,
    body: jsonBody(ClusterPatchSchema),
  },
  responses: { 200: jsonResponse('Updated', ClusterSchema) },
})

const deleteCluster = orgRoute('admin', {
  method: 'delete',
  path,
  tags,
  summary: 'Start deleting a cluster with its topics and service accounts',
  request: { params: ClusterParams, headers: IfMatchHeaders },
  responses: { 202: jsonResponse('Deletion started, phase Deleting', ClusterSchema) },
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

  app.openapi(getCluster, async (c) => {
    const tenant = tenantOf(c)
    const { cluster } = c.req.valid('param')
    return c.json(await getResource(c, clusterKind(tenant), cluster, c.req.valid('query')), 200)
  })

  app.openapi(putCluster, async (c) => {
    const tenant = tenantOf(c)
    const { cluster } = c.req.valid('param')
    const wait = c.req.valid('query')
    const written = await putResource(
      c,
      tenant,
      clusterKind(tenant),
      cluster,
      c.req.valid('json'),
      wait,
    )
    return written.created ? c.json(written.shown, 201) : c.json(written.shown, 200)
  })

  app.openapi(patchCluster, async (c) => {
    const tenant = tenantOf(c)
    const { cluster } = c.req.valid('param')
    const { shown } = await patchResource(
      c,
      tenant,
      clusterKind(tenant),
      cluster,
      c.req.valid('json'),
      c.req.valid('query'),
    )
    return c.json(shown, 200)
  })

  app.openapi(deleteCluster, async (c) => {
    const tenant = tenantOf(c)
    const { cluster } = c.req.valid('param')
    const { shown } = await deleteResource(c, tenant, clusterKind(tenant), cluster)
    return c.json(shown, 202)
  })

  return app
}

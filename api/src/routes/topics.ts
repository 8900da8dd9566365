import type { z } from '@hono/zod-openapi'
import { type AppContext, tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute, renderedJson } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { TopicNameSchema } from '../kafka/names.ts'
import { findClusterOr404 } from '../resources/clusters.ts'
import {
  createResource,
  deleteResource,
  getResource,
  patchResource,
  putResource,
  WaitQuerySchema,
} from '../resources/declarative.ts'
import { setEtag } from '../resources/etag.ts'
import { decodeCursor, PageQuerySchema, pageOf } from '../resources/pagination.ts'
import {
  ApplyTopicsQuerySchema,
  ApplyTopicsSchema,
  applyTopics,
  TopicPlanSchema,
} from '../resources/topic-apply.ts'
import { createTopicAtOnce } from '../resources/topic-creates.ts'
import {
  CreateTopicSchema,
  parseTopicSpec,
  presentTopic,
  TopicPatchSchema,
  TopicSchema,
  TopicSpecSchema,
  topicKind,
  topicPageJson,
} from '../resources/topics.ts'
import { ClusterParams, IfMatchHeaders } from './schemas.ts'

const TopicParams = ClusterParams.extend({
  topic: TopicNameSchema.openapi({ param: { name: 'topic', in: 'path' } }),
})
const tags = ['topics']
const TopicPage = pageOf(TopicSchema)
const collection = '/v1/orgs/{org}/clusters/{cluster}/topics'
const item = `${collection}/{topic}` as const

const listTopics = orgRoute('viewer', {
  method: 'get',
  path: collection,
  tags,
  summary: 'Topics of a cluster',
  request: { params: ClusterParams, query: PageQuerySchema },
  responses: { 200: jsonResponse('A page of topics', TopicPage) },
})

const createTopic = orgRoute('developer', {
  method: 'post',
  path: collection,
  tags,
  summary: 'Create a topic (checked against Kafka rules and the quota)',
  request: { params: ClusterParams, query: WaitQuerySchema, body: jsonBody(CreateTopicSchema) },
  responses: { 201: jsonResponse('Created, phase Pending', TopicSchema) },
})

const applyTopicList = orgRoute('developer', {
  method: 'put',
  path: collection,
  tags,
  summary: 'Declare the full list of topics; answers the plan and applies it in one transaction',
  request: {
    params: ClusterParams,
    query: ApplyTopicsQuerySchema,
    body: jsonBody(ApplyTopicsSchema),
  },
  responses: { 200: jsonResponse('The plan (applied unless dryRun)', TopicPlanSchema) },
})

const getTopic = orgRoute('viewer', {
  method: 'get',
  path: item,
  tags,
  summary: 'One topic',
  request: { params: TopicParams, query: WaitQuerySchema },
  responses: { 200: jsonResponse('The topic', TopicSchema) },
})

const putTopic = orgRoute('developer', {
  method: 'put',
  path: item,
  tags,
  summary: 'Create or update a topic by name',
  request: {
    params: TopicParams,
    query: WaitQuerySchema,
    headers: IfMatchHeaders,
    body: jsonBody(TopicSpecSchema),
  },
  responses: {
    200: jsonResponse('Updated (or unchanged)', TopicSchema),
    201: jsonResponse('Created', TopicSchema),
  },
})

const patchTopic = orgRoute('developer', {
  method: 'patch',
  path: item,
  tags,
  summary: 'Merge-patch a topic (partitions only grow)',
  request: {
    params: TopicParams,
    query: WaitQuerySchema,
    headers: IfMatchHeaders,
    body: jsonBody(TopicPatchSchema),
  },
  responses: { 200: jsonResponse('Updated', TopicSchema) },
})

const deleteTopic = orgRoute('developer', {
  method: 'delete',
  path: item,
  tags,
  summary: 'Start deleting a topic',
  request: { params: TopicParams, headers: IfMatchHeaders },
  responses: { 202: jsonResponse('Deletion started, phase Deleting', TopicSchema) },
})

async function kindFor(c: AppContext, clusterName: string) {
  const tenant = tenantOf(c)
  const cluster = await findClusterOr404(c.get('db'), tenant, clusterName)
  return {
    tenant,
    cluster,
    kind: topicKind(tenant, cluster, c.get('config').defaultReplicationFactor),
  }
}

export function topicRoutes() {
  const app = newRouter()

  app.openapi(listTopics, async (c) => {
    const tenant = tenantOf(c)
    const { limit, cursor } = c.req.valid('query')
    const after = cursor ? decodeCursor<string>(cursor, 'string') : undefined
    const page = await topicPageJson(
      c.get('db'),
      tenant,
      c.req.valid('param').cluster,
      after,
      limit,
    )
    return renderedJson<z.infer<typeof TopicPage>>(c, page)
  })

  app.openapi(createTopic, async (c) => {
    const tenant = tenantOf(c)
    const clusterName = c.req.valid('param').cluster
    const wait = c.req.valid('query')
    const { name, ...input } = c.req.valid('json')
    const spec = parseTopicSpec(input, c.get('config').defaultReplicationFactor)
    // The common case is one statement. Whatever stands in its way goes the general path, which
    // says what; so does ?wait=true, which waits for Kafka whichever way the row was written.
    const row = wait.wait ? undefined : await createTopicAtOnce(c, tenant, clusterName, name, spec)
    let shown: z.infer<typeof TopicSchema>
    if (row) {
      shown = presentTopic({ name: clusterName })(row)
      setEtag(c, shown)
    } else {
      const { kind } = await kindFor(c, clusterName)
      ;({ shown } = await createResource(c, tenant, kind, name, spec, wait))
    }
    c.header('location', `/v1/orgs/${tenant.orgName}/clusters/${clusterName}/topics/${name}`)
    return c.json(shown, 201)
  })

  app.openapi(applyTopicList, async (c) => {
    const tenant = tenantOf(c)
    const cluster = await findClusterOr404(c.get('db'), tenant, c.req.valid('param').cluster)
    const plan = await applyTopics(c, tenant, cluster, c.req.valid('json'), c.req.valid('query'))
    return c.json(plan, 200)
  })

  app.openapi(getTopic, async (c) => {
    const { cluster, topic } = c.req.valid('param')
    const { kind } = await kindFor(c, cluster)
    return c.json(await getResource(c, kind, topic, c.req.valid('query')), 200)
  })

  app.openapi(putTopic, async (c) => {
    const { cluster, topic } = c.req.valid('param')
    const { tenant, kind } = await kindFor(c, cluster)
    const written = await putResource(
      c,
      tenant,
      kind,
      topic,
      kind.parseSpec(c.req.valid('json')),
      c.req.valid('query'),
    )
    return written.created ? c.json(written.shown, 201) : c.json(written.shown, 200)
  })

  app.openapi(patchTopic, async (c) => {
    const { cluster, topic } = c.req.valid('param')
    const { tenant, kind } = await kindFor(c, cluster)
    const { shown } = await patchResource(
      c,
      tenant,
      kind,
      topic,
      c.req.valid('json'),
      c.req.valid('query'),
    )
    return c.json(shown, 200)
  })

  app.openapi(deleteTopic, async (c) => {
    const { cluster, topic } = c.req.valid('param')
    const { tenant, kind } = await kindFor(c, cluster)
    const { shown } = await deleteResource(c, tenant, kind, topic)
    return c.json(shown, 202)
  })

  return app
}

import type { z } from '@hono/zod-openapi'
import { type AppContext, tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute, problems, renderedJson } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { TopicNameSchema } from '../kafka/names.ts'
import { findClusterOr404 } from '../resources/clusters.ts'
import { createResource, WaitQuerySchema } from '../resources/declarative.ts'
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
import { addItemRoutes } from './declarative.ts'
import { ClusterParams } from './schemas.ts'

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
  responses: { 201: jsonResponse('Created, phase Pending', TopicSchema), ...problems(504) },
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

  addItemRoutes(app, {
    path: item,
    params: TopicParams,
    name: 'topic',
    tags,
    writer: 'developer',
    noun: 'topic',
    schema: TopicSchema,
    spec: TopicSpecSchema,
    patch: TopicPatchSchema,
    patchNote: 'partitions only grow',
    kindFor: (c, params) => kindFor(c, params.cluster),
  })

  return app
}

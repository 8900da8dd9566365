import { z } from '@hono/zod-openapi'
import { tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { plans, quotaViolations } from '../quota/limits.ts'
import { currentUse, effectiveLimits } from '../quota/usage.ts'
import { OrgParams } from './schemas.ts'

const count = z.number().int()
const UseShape = {
  clusters: count,
  topics: count,
  partitions: count,
  storageBytes: count,
  ingressBytesPerSecond: count,
  egressBytesPerSecond: count,
}
const LimitsSchema = z.object({ ...UseShape, maxRetentionMs: count }).openapi('QuotaLimits')

const QuotasSchema = z
  .object({
    plan: z.enum(plans),
    limits: LimitsSchema,
    use: z.object(UseShape).openapi('QuotaUse'),
  })
  .openapi('Quotas')

const PlannedChangeSchema = z
  .object({
    clusters: count.optional(),
    topics: count.optional(),
    partitions: count.optional(),
    retentionMs: count.min(-1).optional().openapi({ description: '-1 means forever' }),
  })
  .strict()
  .openapi('PlannedChange', { description: 'What a change would add (negative to remove)' })

const QuotaCheckSchema = z
  .object({
    fits: z.boolean(),
    violations: z.array(
      z.object({
        limit: z.string(),
        current: count,
        maximum: count,
        requested: count,
      }),
    ),
  })
  .openapi('QuotaCheck')

const tags = ['quotas']

const getQuotas = orgRoute('viewer', {
  method: 'get',
  path: '/v1/orgs/{org}/quotas',
  tags,
  summary: "The plan's limits and the current use",
  request: { params: OrgParams },
  responses: { 200: jsonResponse('Limits and use', QuotasSchema) },
})

const checkQuotas = orgRoute('viewer', {
  method: 'post',
  path: '/v1/orgs/{org}/quotas/check',
  tags,
  summary: 'Whether a planned change fits the quotas (changes nothing)',
  request: { params: OrgParams, body: jsonBody(PlannedChangeSchema) },
  responses: { 200: jsonResponse('The verdict', QuotaCheckSchema) },
})

export function quotaRoutes() {
  const app = newRouter()

  app.openapi(getQuotas, async (c) => {
    const tenant = tenantOf(c)
    const db = c.get('db')
    const [limits, use] = await Promise.all([
      effectiveLimits(db, tenant.orgId, tenant.plan),
      currentUse(db, tenant.orgId),
    ])
    return c.json({ plan: tenant.plan as (typeof plans)[number], limits, use }, 200)
  })

  app.openapi(checkQuotas, async (c) => {
    const tenant = tenantOf(c)
    const db = c.get('db')
    const limits = await effectiveLimits(db, tenant.orgId, tenant.plan)
    const violations = quotaViolations(
      limits,
      await currentUse(db, tenant.orgId),
      c.req.valid('json'),
    )
    return c.json({ fits: violations.length === 0, violations }, 200)
  })

  return app
}

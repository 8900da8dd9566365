import { z } from '@hono/zod-openapi'
import { and, desc, eq, lt } from 'drizzle-orm'
import { auditEvents } from '../db/schema/index.ts'
import { tenantOf } from '../http/context.ts'
import { jsonResponse, orgRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { decodeCursor, PageQuerySchema, pageFrom, pageOf } from '../resources/pagination.ts'
import { OrgParams } from './schemas.ts'

const AuditEventSchema = z
  .object({
    id: z.string(),
    actor: z.object({
      type: z.enum(['user', 'api_key', 'platform']),
      id: z.string(),
      label: z.string(),
    }),
    action: z.string().openapi({ example: 'topic.create' }),
    target: z.object({ type: z.string(), name: z.string() }),
    requestId: z.string(),
    outcome: z.string(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.iso.datetime(),
  })
  .openapi('AuditEvent')

const AuditQuerySchema = PageQuerySchema.extend({
  action: z.string().max(100).optional().openapi({ example: 'topic.create' }),
  targetType: z.string().max(100).optional().openapi({ example: 'topic' }),
})

const listAuditEvents = orgRoute('admin', {
  method: 'get',
  path: '/v1/orgs/{org}/audit-events',
  tags: ['audit'],
  summary: 'Who changed what, newest first',
  request: { params: OrgParams, query: AuditQuerySchema },
  responses: { 200: jsonResponse('A page of audit events', pageOf(AuditEventSchema)) },
})

type AuditRow = typeof auditEvents.$inferSelect

function presentAuditEvent(row: AuditRow): z.infer<typeof AuditEventSchema> {
  return {
    id: String(row.id),
    actor: {
      type: row.actorType as 'user' | 'api_key' | 'platform',
      id: row.actorId,
      label: row.actorLabel,
    },
    action: row.action,
    target: { type: row.targetType, name: row.targetName },
    requestId: row.requestId,
    outcome: row.outcome,
    details: row.details,
    createdAt: row.createdAt.toISOString(),
  }
}

export function auditEventRoutes() {
  const app = newRouter()

  app.openapi(listAuditEvents, async (c) => {
    const tenant = tenantOf(c)
    const { limit, cursor, action, targetType } = c.req.valid('query')
    const rows = await c
      .get('db')
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.orgId, tenant.orgId),
          action ? eq(auditEvents.action, action) : undefined,
          targetType ? eq(auditEvents.targetType, targetType) : undefined,
          cursor ? lt(auditEvents.id, decodeCursor<number>(cursor, 'number')) : undefined,
        ),
      )
      .orderBy(desc(auditEvents.id))
      .limit(limit + 1)
    return c.json(
      pageFrom(rows, limit, (row) => row.id, presentAuditEvent),
      200,
    )
  })

  return app
}

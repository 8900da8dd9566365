import { phases } from '@fjord/contract/types'
import { z } from '@hono/zod-openapi'
import type { Condition } from '../db/schema/index.ts'

export const StatusSchema = z
  .object({
    phase: z.enum(phases),
    conditions: z.array(
      z.object({
        type: z.string(),
        status: z.enum(['True', 'False', 'Unknown']),
        reason: z.string(),
        message: z.string(),
        lastTransitionTime: z.string(),
      }),
    ),
    observedGeneration: z.number().int(),
  })
  .openapi('Status')

export const MetadataShape = {
  id: z.uuid(),
  generation: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
}

interface Lifecycle {
  id: string
  generation: number
  phase: string
  conditions: Condition[]
  observedGeneration: number
  createdAt: Date
  updatedAt: Date
}

/**
 * The phase of a row whose spec just changed: Updating once it has been provisioned, still
 * Pending when it never was.
 */
export function phaseAfterChange(row: { observedGeneration: number }): string {
  return row.observedGeneration === 0 ? 'Pending' : 'Updating'
}

export function metadataOf(row: Lifecycle) {
  return {
    id: row.id,
    generation: row.generation,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export function statusOf(row: Lifecycle): z.infer<typeof StatusSchema> {
  return {
    phase: row.phase as (typeof phases)[number],
    conditions: row.conditions,
    observedGeneration: row.observedGeneration,
  }
}

import { setTimeout as sleep } from 'node:timers/promises'
import { readyCondition } from '@fjord/contract/reasons'
import { z } from '@hono/zod-openapi'
import type { Tx } from '../db/client.ts'
import { ApiError, conflict, notFound } from '../errors.ts'
import type { AppContext, Tenant } from '../http/context.ts'
import { type Change, changeKindOf, enqueue, madeBy } from './changes.ts'
import { assertIfMatch, setEtag } from './etag.ts'
import { mergePatch } from './merge-patch.ts'

interface Stored {
  id: string
  name: string
  deletionRequestedAt: Date | null
}

interface Settling {
  phase: string
  generation: number
  observedGeneration: number
  conditions: { type: string; message: string }[]
}

/**
 * How one kind of declarative resource (cluster, topic, service account) is read and written
 * inside one tenant's scope. The flows below give every kind the same PUT/POST/PATCH/DELETE
 * semantics: If-Match, audit + outbox in the transaction, Deleting resources frozen.
 */
export interface ResourceKind<Row extends Stored & Settling, Spec, Shown> {
  type: string
  label: string
  find(tx: Tx, name: string): Promise<Row | undefined>
  present(row: Row): Shown
  specOf(row: Row): Spec
  parseSpec(input: unknown): Spec
  /** Validates, checks quota, inserts. */
  create(tx: Tx, name: string, spec: Spec): Promise<Row>
  /** Validates, checks quota, updates; undefined when the spec did not change. */
  update(tx: Tx, row: Row, spec: Spec): Promise<Row | undefined>
  markDeleting(tx: Tx, row: Row): Promise<Row>
}

export type Written<Shown> = { shown: Shown; created: boolean }

/** The change a write of `row` records: its audit event and outbox row. */
function changeOf(
  c: AppContext,
  tenant: Tenant,
  kind: { type: string },
  action: string,
  row: { id: string; name: string },
  payload: Record<string, unknown>,
): Change {
  return {
    ...madeBy(c, tenant),
    targetName: row.name,
    aggregateId: row.id,
    // The kind is known only at run time here, so it is checked as it is built.
    ...changeKindOf(`${kind.type}.${action}`, payload),
  }
}

function assertNotDeleting(kind: { label: string }, row: Stored) {
  if (row.deletionRequestedAt) throw conflict(`${kind.label} ${row.name} is being deleted`)
}

export async function getResource<Row extends Stored & Settling, Spec, Shown>(
  c: AppContext,
  kind: ResourceKind<Row, Spec, Shown>,
  name: string,
  wait?: Wait,
): Promise<Shown> {
  const row = await c.get('db').transaction((tx) => kind.find(tx, name))
  if (!row) throw notFound(`${kind.label} ${name}`)
  const shown = kind.present(row)
  setEtag(c, shown)
  return settle(c, kind, name, shown, wait)
}

/** PUT: create or converge to the given spec. */
export function putResource<Row extends Stored & Settling, Spec, Shown>(
  c: AppContext,
  tenant: Tenant,
  kind: ResourceKind<Row, Spec, Shown>,
  name: string,
  spec: Spec,
  wait?: Wait,
): Promise<Written<Shown>> {
  return write(c, tenant, kind, name, wait, async (tx, current) => {
    assertIfMatch(c, current && kind.present(current))
    if (!current) return { row: await kind.create(tx, name, spec), action: 'create' }
    assertNotDeleting(kind, current)
    return { row: await kind.update(tx, current, spec), action: 'update' }
  })
}

/** POST: create only; an existing name is a conflict. */
export function createResource<Row extends Stored & Settling, Spec, Shown>(
  c: AppContext,
  tenant: Tenant,
  kind: ResourceKind<Row, Spec, Shown>,
  name: string,
  spec: Spec,
  wait?: Wait,
): Promise<Written<Shown>> {
  return write(c, tenant, kind, name, wait, async (tx, current) => {
    if (current) throw conflict(`${kind.label} ${name} already exists; use PUT to update it`)
    return { row: await kind.create(tx, name, spec), action: 'create' }
  })
}

/** PATCH: JSON merge patch over the current spec, then the same checks as PUT. */
export function patchResource<Row extends Stored & Settling, Spec, Shown>(
  c: AppContext,
  tenant: Tenant,
  kind: ResourceKind<Row, Spec, Shown>,
  name: string,
  patch: Record<string, unknown>,
  wait?: Wait,
): Promise<Written<Shown>> {
  return write(c, tenant, kind, name, wait, async (tx, current) => {
    if (!current) throw notFound(`${kind.label} ${name}`)
    assertIfMatch(c, kind.present(current))
    assertNotDeleting(kind, current)
    const spec = kind.parseSpec(mergePatch(kind.specOf(current), patch))
    return { row: await kind.update(tx, current, spec), action: 'update' }
  })
}

/** DELETE: starts deletion; the provisioner removes the row once Kafka has let go. */
export function deleteResource<Row extends Stored & Settling, Spec, Shown>(
  c: AppContext,
  tenant: Tenant,
  kind: ResourceKind<Row, Spec, Shown>,
  name: string,
): Promise<Written<Shown>> {
  return write(c, tenant, kind, name, undefined, async (tx, current) => {
    if (!current) throw notFound(`${kind.label} ${name}`)
    assertIfMatch(c, kind.present(current))
    if (current.deletionRequestedAt) return { row: undefined, action: 'delete' }
    return { row: await kind.markDeleting(tx, current), action: 'delete' }
  })
}

async function write<Row extends Stored & Settling, Spec, Shown>(
  c: AppContext,
  tenant: Tenant,
  kind: ResourceKind<Row, Spec, Shown>,
  name: string,
  wait: Wait | undefined,
  decide: (tx: Tx, current: Row | undefined) => Promise<{ row: Row | undefined; action: string }>,
): Promise<Written<Shown>> {
  const result = await c.get('db').transaction(async (tx) => {
    const current = await kind.find(tx, name)
    const { row, action } = await decide(tx, current)
    // No row back means nothing changed: nothing to audit, nothing for the provisioner.
    if (!row) return { row: current as Row, created: false }
    await enqueue(tx, changeOf(c, tenant, kind, action, row, { spec: kind.specOf(row) }))
    return { row, created: action === 'create' }
  })
  const shown = kind.present(result.row)
  setEtag(c, shown)
  return { shown: await settle(c, kind, name, shown, wait), created: result.created }
}

export const WaitQuerySchema = z.object({
  wait: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .openapi({ description: 'Answer only once the change is Ready or Failed (or on timeout)' }),
  timeoutSeconds: z.coerce.number().int().min(1).max(600).default(60),
})

type Wait = z.output<typeof WaitQuerySchema>
const pollIntervalMs = 250

/**
 * With `?wait=true`, polls until the provisioner reports the current generation Ready or
 * Failed (`Fjord-Wait: settled`). On timeout the answer is a `wait_timeout` problem carrying
 * the resource as it is: the change was accepted and goes on without the caller.
 */
async function settle<Row extends Stored & Settling, Spec, Shown>(
  c: AppContext,
  kind: ResourceKind<Row, Spec, Shown>,
  name: string,
  written: Shown,
  options: Wait | undefined,
): Promise<Shown> {
  if (!options?.wait) return written
  const deadline = Date.now() + options.timeoutSeconds * 1000
  for (;;) {
    const row = await c.get('db').transaction((tx) => kind.find(tx, name))
    if (!row) throw notFound(`${kind.label} ${name}`)
    const settled =
      ['Ready', 'Failed'].includes(row.phase) && row.observedGeneration >= row.generation
    if (settled) {
      c.header('fjord-wait', 'settled')
      const shown = kind.present(row)
      setEtag(c, shown)
      return shown
    }
    if (Date.now() >= deadline) {
      const why = row.conditions.find((condition) => condition.type === readyCondition)?.message
      throw new ApiError(
        'wait_timeout',
        `${kind.label} ${name} was accepted but is not Ready or Failed after ${options.timeoutSeconds} s (phase ${row.phase}${why ? `: ${why}` : ''}); it goes on, GET it to follow`,
        { extra: { resource: kind.present(row) } },
      )
    }
    await sleep(Math.min(pollIntervalMs, deadline - Date.now()))
  }
}

import type { components } from '@fjord/client/schema'
import type { Context } from '../context.ts'
import { readModifyWrite, unlessLostRace, versioned } from './read-modify-write.ts'

// Where a service account is, how to read it and how to change it: shared by its commands,
// its ACLs' and its credentials'.

type ServiceAccountPatch = components['schemas']['ServiceAccountPatch']
const item = '/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}'

/** The path parameters of one service account of the chosen org and cluster. */
export function serviceAccountPath(ctx: Context, serviceAccount: string) {
  return { org: ctx.org(), cluster: ctx.cluster(), serviceAccount }
}

export type ServiceAccountPath = ReturnType<typeof serviceAccountPath>

export function getServiceAccount(ctx: Context, name: string) {
  return ctx.call(ctx.client().GET(item, { params: { path: serviceAccountPath(ctx, name) } }))
}

/** A merge patch of a service account: the fields it names change, the others stay. */
export function patchServiceAccount(ctx: Context, name: string, patch: ServiceAccountPatch) {
  const path = serviceAccountPath(ctx, name)
  return ctx.call(ctx.client().PATCH(item, { params: { path }, body: patch }))
}

/**
 * Writes the patch `change` makes of the current service account under If-Match (see
 * readModifyWrite), so that an edit made from what was read never undoes a concurrent one.
 */
export function changeServiceAccount(
  ctx: Context,
  name: string,
  change: (
    current: Awaited<ReturnType<typeof getServiceAccount>>,
  ) => ServiceAccountPatch | undefined,
) {
  const client = ctx.client()
  const path = serviceAccountPath(ctx, name)
  return readModifyWrite(
    () => versioned(ctx, client.GET(item, { params: { path } })),
    change,
    (patch, etag) =>
      unlessLostRace(
        ctx,
        client.PATCH(item, { params: { path, header: { 'if-match': etag } }, body: patch }),
      ),
  )
}

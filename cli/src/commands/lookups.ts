import type { components } from '@fjord/client/schema'
import type { Context } from '../context.ts'
import { readModifyWrite, unlessLostRace, versioned } from './read-modify-write.ts'

// Where a service account is, how to read it and how to change it: shared by its commands,
// its ACLs' and its credentials'.

type ServiceAccountSpec = Required<components['schemas']['ServiceAccountSpec']>
const item = '/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}'

/** The path parameters of one service account of the chosen org and cluster. */
export function serviceAccountPath(ctx: Context, serviceAccount: string) {
  return { org: ctx.org(), cluster: ctx.cluster(), serviceAccount }
}

export type ServiceAccountPath = ReturnType<typeof serviceAccountPath>

export function getServiceAccount(ctx: Context, name: string) {
  return ctx.call(ctx.client().GET(item, { params: { path: serviceAccountPath(ctx, name) } }))
}

/**
 * Writes the whole spec `change` makes of the current service account, under If-Match (see
 * readModifyWrite). Whole, because the API's merge patch puts a field that is left out back
 * to its default.
 */
export function changeServiceAccount(
  ctx: Context,
  name: string,
  change: (
    current: Awaited<ReturnType<typeof getServiceAccount>>,
  ) => ServiceAccountSpec | undefined,
) {
  const client = ctx.client()
  const path = serviceAccountPath(ctx, name)
  return readModifyWrite(
    () => versioned(ctx, client.GET(item, { params: { path } })),
    change,
    (spec, etag) =>
      unlessLostRace(
        ctx,
        client.PATCH(item, { params: { path, header: { 'if-match': etag } }, body: spec }),
      ),
  )
}

import type { Context } from '../context.ts'

// Where a service account is and how to read it: shared by its commands, its ACLs' and its
// credentials'.

/** The path parameters of one service account of the chosen org and cluster. */
export function serviceAccountPath(ctx: Context, serviceAccount: string) {
  return { org: ctx.org(), cluster: ctx.cluster(), serviceAccount }
}

export type ServiceAccountPath = ReturnType<typeof serviceAccountPath>

export function getServiceAccount(ctx: Context, name: string) {
  return ctx.call(
    ctx.client().GET('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
      params: { path: serviceAccountPath(ctx, name) },
    }),
  )
}

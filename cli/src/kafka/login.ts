import { credentialKey, type Profile, type StoredCredential } from '../config.ts'
import type { Context } from '../context.ts'
import { CliError, usageError } from '../errors.ts'
import { ShortNames } from './names.ts'

/** How produce and consume reach the cluster's Kafka: a service account's stored credential. */
export interface KafkaLogin {
  org: string
  cluster: string
  serviceAccount: string
  bootstrapServers: string[]
  credential: StoredCredential
  names: ShortNames
}

interface Where {
  org: string
  cluster: string
}

/**
 * The stored credential to log in with: the named service account's (--service-account, then
 * FJORD_SERVICE_ACCOUNT), else the only one the profile holds for the cluster.
 */
export function chooseCredential(
  profile: Profile,
  { org, cluster }: Where,
  serviceAccount: string | undefined,
): { serviceAccount: string; credential: StoredCredential } {
  const stored = profile.credentials ?? {}
  if (serviceAccount) {
    const credential = stored[credentialKey(org, cluster, serviceAccount)]
    if (!credential) {
      throw new CliError(
        `no stored credential of service account ${serviceAccount} for cluster ${cluster} of ${org}`,
        { suggestion: `run \`fjord service-accounts credentials create ${serviceAccount}\`` },
      )
    }
    return { serviceAccount, credential }
  }
  const ofCluster = credentialKey(org, cluster, '')
  const candidates = Object.entries(stored)
    .filter(([key]) => key.startsWith(ofCluster))
    .map(([key, credential]) => ({ serviceAccount: key.slice(ofCluster.length), credential }))
  const [only, ...others] = candidates
  if (!only) {
    throw new CliError(
      `no stored credential of a service account for cluster ${cluster} of ${org}`,
      {
        suggestion:
          'run `fjord service-accounts credentials create <service-account>`: the profile keeps it, and produce and consume log in with it',
      },
    )
  }
  if (others.length > 0) {
    const names = candidates.map((candidate) => candidate.serviceAccount).sort()
    throw usageError(
      `the profile holds credentials of several service accounts for cluster ${cluster}: ${names.join(', ')}`,
      'pick one with --service-account, or FJORD_SERVICE_ACCOUNT',
    )
  }
  return only
}

/** The login of the chosen service account; the cluster's bootstrap servers when the credential was issued before it had them. */
export async function kafkaLogin(ctx: Context, serviceAccount?: string): Promise<KafkaLogin> {
  const where = { org: ctx.org(), cluster: ctx.cluster() }
  const profile = ctx.profiles().profiles[ctx.settings.profileName] ?? {}
  const chosen = chooseCredential(profile, where, serviceAccount ?? ctx.env.serviceAccount)
  const bootstrap = chosen.credential.bootstrapServers ?? (await clusterBootstrap(ctx, where))
  return {
    ...where,
    ...chosen,
    bootstrapServers: bootstrap.split(',').map((server) => server.trim()),
    names: new ShortNames(chosen.credential.topicPrefix),
  }
}

async function clusterBootstrap(ctx: Context, path: Where): Promise<string> {
  const cluster = await ctx.call(
    ctx.client().GET('/v1/orgs/{org}/clusters/{cluster}', { params: { path } }),
  )
  if (!cluster.bootstrapServers) {
    throw new CliError(`cluster ${path.cluster} has no bootstrap servers yet`, {
      suggestion: `wait until it is Ready: \`fjord clusters get ${path.cluster}\``,
    })
  }
  return cluster.bootstrapServers
}

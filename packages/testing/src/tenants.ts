import type { Role } from '@fjord/api/auth/roles'
import {
  auditEvents,
  memberships,
  organizations,
  outbox,
  quotaOverrides,
} from '@fjord/api/db/schema'
import { eq } from 'drizzle-orm'
import { type Caller, expectStatus, type TestApi } from './api.ts'
import { uniqueName } from './names.ts'

export interface Tenant {
  org: string
  orgId: string
  /** The Kubernetes namespace of the org's objects. */
  namespace: string
  owner: Caller & { kind: 'session' }
  email: string
}

export const aPassword = 'correct horse battery staple'

function sessionFrom(response: Response, csrfToken: string): Caller & { kind: 'session' } {
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ')
  return { kind: 'session', cookie, csrfToken }
}

/**
 * Signs up over HTTP at `baseUrl` (an api in another process or a pod), as the console does:
 * a new user who owns a new org.
 */
export async function signUpAt(
  baseUrl: string,
  overrides: { email?: string; org?: string } = {},
): Promise<{ org: string; email: string; owner: Caller & { kind: 'session' } }> {
  const org = overrides.org ?? uniqueName('org')
  const email = overrides.email ?? `${uniqueName('user')}@example.com`
  const response = await fetch(`${baseUrl}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: aPassword, organization: { name: org } }),
  })
  const body = (await expectStatus(response, 201)) as { csrfToken: string }
  return { org, email, owner: sessionFrom(response, body.csrfToken) }
}

/** Signs up a new user with a new org; the user is its owner. */
export async function aTenant(
  api: TestApi,
  overrides: { email?: string; org?: string } = {},
): Promise<Tenant> {
  const org = overrides.org ?? uniqueName('org')
  const email = overrides.email ?? `${uniqueName('user')}@example.com`
  const response = await api.request('POST', '/v1/auth/signup', {
    body: { email, password: aPassword, organization: { name: org } },
  })
  const body = (await expectStatus(response, 201)) as { csrfToken: string }
  const [row] = await api.database.db
    .select()
    .from(organizations)
    .where(eq(organizations.name, org))
  if (!row) throw new Error('signup made no org')
  return {
    org,
    orgId: row.id,
    namespace: row.namespace,
    owner: sessionFrom(response, body.csrfToken),
    email,
  }
}

/** A signed-in user who is `role` in the tenant's org; `email` addresses them as a member. */
export async function aMember(
  api: TestApi,
  tenant: Tenant,
  role: Role,
): Promise<Caller & { kind: 'session'; email: string }> {
  const other = await aTenant(api)
  const [user] = await api.database.db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(eq(memberships.orgId, other.orgId))
  if (!user) throw new Error('no owner')
  await api.database.db
    .insert(memberships)
    .values({ orgId: tenant.orgId, userId: user.userId, role })
  return { ...other.owner, email: other.email }
}

export async function anApiKey(
  api: TestApi,
  tenant: Tenant,
  role: Role,
): Promise<Caller & { kind: 'api_key' }> {
  const response = await api.request('POST', `/v1/orgs/${tenant.org}/api-keys`, {
    as: tenant.owner,
    body: { name: uniqueName('key'), role },
  })
  const body = (await expectStatus(response, 201)) as { token: string }
  return { kind: 'api_key', token: body.token }
}

export const aCluster = (overrides: Record<string, unknown> = {}) => ({
  name: uniqueName('c'),
  type: 'shared',
  region: 'local',
  ...overrides,
})

export const aTopic = (overrides: Record<string, unknown> = {}) => ({
  name: uniqueName('t'),
  partitions: 1,
  replicationFactor: 1,
  config: {},
  ...overrides,
})

export async function withCluster(
  api: TestApi,
  tenant: Tenant,
  overrides: Record<string, unknown> = {},
) {
  const cluster = aCluster(overrides)
  await expectStatus(
    await api.request('POST', `/v1/orgs/${tenant.org}/clusters`, {
      as: tenant.owner,
      body: cluster,
    }),
    201,
  )
  return cluster.name
}

export async function withTopic(
  api: TestApi,
  tenant: Tenant,
  cluster: string,
  overrides: Record<string, unknown> = {},
) {
  const topic = aTopic(overrides)
  await expectStatus(
    await api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
      as: tenant.owner,
      body: topic,
    }),
    201,
  )
  return topic.name
}

/** Lifts the tenant's limits, for tests about something other than quotas. */
export async function withRoomyQuota(api: TestApi, tenant: Tenant): Promise<void> {
  await api.database.db
    .insert(quotaOverrides)
    .values({ orgId: tenant.orgId, clusters: 100, topics: 100_000, partitions: 1_000_000 })
}

/** Audit events and outbox rows of the tenant, to prove a change was recorded once or not at all. */
export async function recordedChanges(api: TestApi, tenant: Tenant) {
  // In the order they were written: without ORDER BY, PostgreSQL promises no order at all.
  const audit = await api.database.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.orgId, tenant.orgId))
    .orderBy(auditEvents.id)
  const queued = await api.database.db
    .select()
    .from(outbox)
    .where(eq(outbox.orgId, tenant.orgId))
    .orderBy(outbox.id)
  return { audit, outbox: queued }
}

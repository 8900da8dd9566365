import type { KubeClient } from '@fjord/kube/client'
import type { Context } from 'hono'
import type { Logger } from 'pino'
import type { AccessCache } from '../auth/access-cache.ts'
import type { Role } from '../auth/roles.ts'
import type { Config } from '../config.ts'
import type { Db } from '../db/client.ts'
import { ApiError } from '../errors.ts'
import type { PoolAdmins } from '../kafka/pool-admins.ts'

export interface UserPrincipal {
  kind: 'user'
  userId: string
  email: string
  name: string
  sessionId: string
}

export interface ApiKeyPrincipal {
  kind: 'api_key'
  keyId: string
  orgId: string
  role: Role
  name: string
  prefix: string
}

export type Principal = UserPrincipal | ApiKeyPrincipal

/** Who did something, as the audit log records it. */
export interface Actor {
  type: 'user' | 'api_key' | 'platform'
  id: string
  label: string
}

/** The organization a request acts in, resolved from the URL and the principal's rights. */
export interface Tenant {
  orgId: string
  orgName: string
  /** The Kubernetes namespace of the org's objects. */
  namespace: string
  plan: string
  role: Role
  actor: Actor
}

export interface AppEnv {
  Variables: {
    requestId: string
    log: Logger
    db: Db
    access: AccessCache
    config: Config
    /** Where credentials' Secrets and pools go; undefined when the api provisions nothing. */
    kube: KubeClient | undefined
    /** The platform's Kafka admin client of each pool; there when `kube` is. */
    kafka: PoolAdmins | undefined
    principal: Principal | undefined
    /** A valid session cookie came with a write that lacked the CSRF token. */
    csrfRejected: boolean | undefined
    tenant: Tenant | undefined
  }
}

export type AppContext = Context<AppEnv>

export function principalOf(c: AppContext): Principal {
  const principal = c.get('principal')
  if (!principal && c.get('csrfRejected')) {
    throw new ApiError('csrf_failed', 'Cookie-authenticated writes must send X-CSRF-Token')
  }
  if (!principal) throw new ApiError('unauthorized', 'Sign in or send an API key')
  return principal
}

export function userOf(c: AppContext): UserPrincipal {
  const principal = principalOf(c)
  if (principal.kind !== 'user') throw new ApiError('forbidden', 'This needs a signed-in user')
  return principal
}

/** The one way handlers learn which org they act in; every tenant query takes its orgId. */
export function tenantOf(c: AppContext): Tenant {
  const tenant = c.get('tenant')
  if (!tenant) throw new Error('tenantOf called on a route without orgAccess')
  return tenant
}

/** The platform's Kafka clients; 503 on an api that has no Kubernetes to find the pools in. */
export function kafkaOf(c: AppContext): PoolAdmins {
  const admins = c.get('kafka')
  if (!admins) {
    throw new ApiError('unavailable', 'This api has no Kubernetes to find the Kafka pools in')
  }
  return admins
}

export function actorOf(principal: Principal): Actor {
  return principal.kind === 'user'
    ? { type: 'user', id: principal.userId, label: principal.email }
    : { type: 'api_key', id: principal.keyId, label: `key:${principal.prefix}` }
}

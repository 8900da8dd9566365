import { finalizer } from '@fjord/contract/metadata'
import { kafkaName, kafkaPrincipal, passwordSecretKey } from '@fjord/contract/naming'
import { reasons } from '@fjord/contract/reasons'
import { KafkaUsers } from '@fjord/contract/resources'
import type { KafkaUser } from '@fjord/contract/types'
import { getObject, removeFinalizer } from '@fjord/kube/apply'
import type { KubeObject } from '@fjord/kube/client'
import { Secrets } from '@fjord/kube/resources'
import type { KafkaAdmin } from '../kafka/admin.ts'
import type { Reconcile } from '../kube/controller.ts'
import { scramLoginsRepairedTotal } from '../kube/metrics.ts'
import {
  clusterOf,
  failed,
  failureReason,
  type OperatorContext,
  poolOfDeleted,
  prepare,
  ready,
  retryingPhase,
  waiting,
  writeStatus,
} from './context.ts'
import type { ScramRepair } from './scram-repair.ts'
import { desiredAcls, desiredQuotas, planAcls, planQuotas, type QuotaKey } from './user-plan.ts'

type User = KafkaUser & KubeObject
type Secret = KubeObject & { data?: Record<string, string> }

/** The principal name in Kafka: on a shared cluster, under the cluster's prefix. */
export function kafkaUsername(prefix: string, user: KafkaUser): string {
  return kafkaName(prefix, user.spec.username ?? user.metadata.name)
}

/**
 * A KafkaUser is a SCRAM-SHA-512 credential (from its password Secret, set again whenever
 * the Secret changes, or when a pool check of `repair` found Kafka lost it), exactly the
 * ACLs it lists, and its client quotas.
 */
export function userReconciler(ctx: OperatorContext, repair?: ScramRepair): Reconcile {
  return async (key) => {
    const cached = ctx.informers.users.get(key)
    if (!cached || cached.metadata.deletionTimestamp) repair?.forget(key)
    if (!cached) return
    if (cached.metadata.deletionTimestamp) return deleteUser(ctx, cached)
    const where = clusterOf(ctx, cached)
    if ('outcome' in where) {
      await writeStatus(ctx, cached, where.outcome)
      return where.outcome.phase === 'Failed' ? undefined : { requeueAfterMs: 2_000 }
    }
    const user = await prepare(ctx, KafkaUsers, cached, where.cluster)
    const username = kafkaUsername(where.prefix, user)
    const acls = desiredAcls(username, user.spec.acls ?? [], where.prefix)
    if ('refusal' in acls) {
      await writeStatus(ctx, user, failed(acls.refusal.reason, acls.refusal.message))
      return
    }
    const ref = user.spec.authentication.passwordSecretRef
    const secret = await getObject<Secret>(ctx.client, Secrets, ref.name, user.metadata.namespace)
    const passwordKey = ref.key ?? passwordSecretKey
    const encoded = secret?.data?.[passwordKey]
    // No password means no login: a credential revoked by deleting its Secret leaves Kafka too.
    const login =
      secret && encoded !== undefined
        ? { password: Buffer.from(encoded, 'base64').toString('utf8'), secret }
        : undefined
    const admin = await ctx.kafka.forPool(where.pool)
    const lostOn = repair?.take(key)
    try {
      if (!login) {
        if (user.status?.secretResourceVersion !== undefined || user.status?.username !== username)
          await admin.deleteScram(username)
      } else if (
        user.status?.secretResourceVersion !== login.secret.metadata.resourceVersion ||
        user.status?.username !== username
      ) {
        await admin.upsertScram(username, login.password)
      } else if (lostOn !== undefined) {
        await admin.upsertScram(username, login.password)
        scramLoginsRepairedTotal.inc({ pool: lostOn })
        ctx.log.warn(
          { controller: 'KafkaUser', key, username, pool: lostOn },
          'set a SCRAM login again that Kafka had lost',
        )
      }
      await applyAcls(admin, username, acls.bindings)
      const quotas = planQuotas(desiredQuotas(user.spec.quotas), await admin.quotasOf(username))
      await admin.alterQuotas(username, quotas.set, quotas.remove)
    } catch (error) {
      if (lostOn !== undefined) repair?.lost(key, lostOn)
      const reason = failureReason('KafkaUser', error)
      await writeStatus(
        ctx,
        user,
        waiting(reason, `${(error as Error).message}; retrying`, retryingPhase(user)),
      )
      throw error
    }
    const rules = `${kafkaPrincipal(username)} has ${acls.bindings.length} ACLs`
    await writeStatus(
      ctx,
      user,
      login
        ? ready(rules)
        : ready(
            `${rules} and no login: Secret ${ref.name} with key ${passwordKey} does not exist`,
            reasons.NoPassword,
          ),
      { username, secretResourceVersion: login?.secret.metadata.resourceVersion },
    )
  }
}

async function applyAcls(
  admin: KafkaAdmin,
  username: string,
  desired: Parameters<typeof planAcls>[0],
) {
  const plan = planAcls(desired, await admin.aclsOf(kafkaPrincipal(username)))
  await admin.createAcls(plan.create)
  await admin.deleteAcls(plan.delete)
}

/** Removes the credential, every ACL and the quotas of the principal, then lets the resource go. */
async function deleteUser(ctx: OperatorContext, cached: User) {
  if (!cached.metadata.finalizers?.includes(finalizer)) return
  let user = cached
  const username = user.status?.username
  if (username !== undefined) {
    const principal = kafkaPrincipal(username)
    // The written copy's resourceVersion is what the finalizer's removal is guarded by.
    user = await writeStatus(
      ctx,
      user,
      waiting(reasons.Deleting, `removing ${principal}`, 'Deleting'),
    )
    const admin = await ctx.kafka.forPool(poolOfDeleted(ctx, user, principal))
    await admin.deleteScram(username)
    await applyAcls(admin, username, [])
    await admin.alterQuotas(username, {}, Object.keys(await admin.quotasOf(username)) as QuotaKey[])
  }
  await removeFinalizer(ctx.client, KafkaUsers, user, finalizer)
}

import { randomUUID } from 'node:crypto'
import { kafkaName, passwordSecretName, userResourceName } from '@fjord/contract/naming'
import { z } from '@hono/zod-openapi'
import { and, eq } from 'drizzle-orm'
import { randomToken } from '../auth/tokens.ts'
import type { Tx } from '../db/client.ts'
import { credentials, organizations } from '../db/schema/index.ts'
import { ApiError, conflict, notFound } from '../errors.ts'
import { type Tenant, tenantOf } from '../http/context.ts'
import { jsonResponse, orgRoute, problems } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { scramMechanism } from '../kafka/scram.ts'
import {
  clientConfigs,
  loginSettled,
  securityProtocolOf,
  writePasswordSecret,
} from '../provisioner/credentials.ts'
import { kubeOf } from '../provisioner/kube.ts'
import { cancelUnstarted } from '../provisioner/outbox.ts'
import { orgAccessOf } from '../provisioner/ownership.ts'
import { passwordSecret } from '../provisioner/resources.ts'
import { enqueue, madeBy } from '../resources/changes.ts'
import { findClusterOr404 } from '../resources/clusters.ts'
import { serviceAccountKind } from '../resources/service-accounts.ts'
import { ServiceAccountParams } from './service-accounts.ts'

const CredentialSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    mechanism: z.literal(scramMechanism),
    createdAt: z.iso.datetime(),
  })
  .openapi('Credential')

const ConnectionSchema = z
  .object({
    bootstrapServers: z.string().nullable().openapi({
      description: 'Null until the cluster is Ready; GET the cluster for it then',
    }),
    securityProtocol: z.enum(['SASL_PLAINTEXT', 'SASL_SSL']),
    saslMechanism: z.literal(scramMechanism),
    username: z.string(),
    password: z.string(),
    topicPrefix: z.string().openapi({
      description: 'Every topic, group and transactional id of a shared cluster starts with it',
    }),
  })
  .openapi('Connection')

const IssuedCredentialSchema = CredentialSchema.extend({
  password: z.string().openapi({ description: 'Shown once; kept only in a Kubernetes Secret' }),
  loginReady: z.boolean().openapi({
    description:
      'Kafka takes this password already (the answer waits up to 10 s for it); false while the service account is still being provisioned',
  }),
  connection: ConnectionSchema,
  clientConfig: z
    .object({
      kcat: z.string().openapi({ description: 'librdkafka properties: `kcat -F <file>`' }),
      javaProperties: z.string().openapi({ description: 'For Java clients and the Kafka CLI' }),
      node: z
        .object({
          bootstrapBrokers: z.array(z.string()),
          sasl: z.object({
            mechanism: z.literal(scramMechanism),
            username: z.string(),
            password: z.string(),
          }),
        })
        .openapi({ description: 'Options for @platformatic/kafka clients' }),
    })
    .openapi('ClientConfig'),
}).openapi('IssuedCredential')

const CredentialParams = ServiceAccountParams.extend({
  credential: z.uuid().openapi({ param: { name: 'credential', in: 'path' } }),
})
const tags = ['service accounts']
const collection = '/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials'

const listCredentials = orgRoute('viewer', {
  method: 'get',
  path: collection,
  tags,
  summary: 'The SCRAM credential of a service account (metadata only)',
  request: { params: ServiceAccountParams },
  responses: { 200: jsonResponse('Credentials', z.object({ items: z.array(CredentialSchema) })) },
})

const issueCredential = orgRoute('developer', {
  method: 'post',
  path: collection,
  tags,
  summary: 'Issue a new SCRAM-SHA-512 password, replacing the previous one',
  description:
    "The password goes only into the Kubernetes Secret of the service account and this answer, with a client configuration ready to paste. Needs Kubernetes: 503 while it cannot be reached (try again), 502 when it refuses the Secret (the platform must fix it), 409 when a Secret of that name is not Fjord's.",
  request: { params: ServiceAccountParams },
  responses: {
    201: jsonResponse('Issued; the password is shown once', IssuedCredentialSchema),
    ...problems(502, 503),
  },
})

const revokeCredential = orgRoute('developer', {
  method: 'delete',
  path: `${collection}/{credential}`,
  tags,
  summary: 'Revoke a credential',
  request: { params: CredentialParams },
  responses: { 204: { description: 'Revoked' } },
})

type CredentialRow = typeof credentials.$inferSelect
/** How long an issuing request has to record its credential before the provisioner withdraws it. */
const withdrawalDelayMs = 60_000

function presentCredential(row: CredentialRow): z.infer<typeof CredentialSchema> {
  return {
    id: row.id,
    username: row.username,
    mechanism: scramMechanism,
    createdAt: row.createdAt.toISOString(),
  }
}

async function findServiceAccount(
  tx: Tx,
  tenant: Tenant,
  { cluster: clusterName, serviceAccount: name }: { cluster: string; serviceAccount: string },
) {
  const cluster = await findClusterOr404(tx, tenant, clusterName)
  // Locked as a write of the account locks it, so that it cannot start deleting meanwhile.
  const account = await serviceAccountKind(tenant, cluster).find(tx, name)
  if (!account) throw notFound(`Service account ${name}`)
  return { cluster, account }
}

export function credentialRoutes() {
  const app = newRouter()

  app.openapi(listCredentials, async (c) => {
    const tenant = tenantOf(c)
    const rows = await c.get('db').transaction(async (tx) => {
      const { account } = await findServiceAccount(tx, tenant, c.req.valid('param'))
      return tx.select().from(credentials).where(eq(credentials.serviceAccountId, account.id))
    })
    return c.json({ items: rows.map(presentCredential) }, 200)
  })

  // In three steps, so that no row lock waits on Kubernetes: a short transaction checks the
  // account and schedules the withdrawal of this credential; the Secret is written; a second
  // short transaction records the credential and cancels the withdrawal. A request that stops
  // in between leaves no credential anyone can use: the provisioner runs the withdrawal a
  // minute later and deletes the Secret if it holds this credential's password.
  app.openapi(issueCredential, async (c) => {
    const tenant = tenantOf(c)
    const kube = kubeOf(c)
    const db = c.get('db')
    const params = c.req.valid('param')
    const password = randomToken(32)
    const credentialId = randomUUID()
    const begun = await db.transaction(async (tx) => {
      const { cluster, account } = await findServiceAccount(tx, tenant, params)
      if (account.deletionRequestedAt)
        throw conflict(`Service account ${account.name} is being deleted`)
      const [org] = await tx
        .select({ displayName: organizations.displayName })
        .from(organizations)
        .where(eq(organizations.id, tenant.orgId))
      const [withdrawal] = await enqueue(
        tx,
        {
          ...madeBy(c, tenant),
          action: 'credential.issue',
          targetName: kafkaName(cluster.kafkaPrefix, account.name),
          aggregateId: credentialId,
          payload: {
            namespace: tenant.namespace,
            secret: passwordSecretName(cluster, account),
            credentialId,
            serviceAccountId: account.id,
          },
        },
        { delayMs: withdrawalDelayMs },
      )
      if (!org || !withdrawal) throw new Error('insert returned nothing')
      return { cluster, account, displayName: org.displayName, withdrawal }
    })
    const { cluster, account } = begun
    const org = {
      id: tenant.orgId,
      name: tenant.orgName,
      displayName: begun.displayName,
      namespace: tenant.namespace,
    }
    const secret = await writePasswordSecret(
      kube,
      org,
      passwordSecret(org, cluster, account, credentialId, password),
      orgAccessOf(c.get('config')),
    )
    const row = await db.transaction(async (tx) => {
      const found = await findServiceAccount(tx, tenant, params)
      if (found.account.id !== account.id || found.account.deletionRequestedAt)
        throw conflict(`Service account ${account.name} is being deleted`)
      if (!(await cancelUnstarted(tx, begun.withdrawal))) {
        throw new ApiError(
          'unavailable',
          'Issuing the credential took too long, so it was withdrawn; try again',
        )
      }
      await tx.delete(credentials).where(eq(credentials.serviceAccountId, account.id))
      const [issued] = await tx
        .insert(credentials)
        .values({
          id: credentialId,
          orgId: tenant.orgId,
          serviceAccountId: account.id,
          username: kafkaName(cluster.kafkaPrefix, account.name),
          mechanism: scramMechanism,
        })
        .returning()
      if (!issued) throw new Error('insert returned nothing')
      await enqueue(tx, {
        ...madeBy(c, tenant),
        action: 'credential.create',
        targetName: issued.username,
        aggregateId: issued.id,
        payload: { username: issued.username, serviceAccountId: account.id },
      })
      return issued
    })
    const user = { name: userResourceName(cluster, account), namespace: tenant.namespace }
    const loginReady = await loginSettled(kube, user, secret.metadata.resourceVersion)
    const protocol = await securityProtocolOf(kube, cluster.pool)
    return c.json(
      {
        ...presentCredential(row),
        password,
        loginReady,
        ...clientConfigs(cluster, row.username, password, protocol),
      },
      201,
    )
  })

  app.openapi(revokeCredential, async (c) => {
    const tenant = tenantOf(c)
    await c.get('db').transaction(async (tx) => {
      const { cluster, account } = await findServiceAccount(tx, tenant, c.req.valid('param'))
      const [row] = await tx
        .delete(credentials)
        .where(
          and(
            eq(credentials.serviceAccountId, account.id),
            eq(credentials.id, c.req.valid('param').credential),
          ),
        )
        .returning()
      if (!row) throw notFound('Credential')
      await enqueue(tx, {
        ...madeBy(c, tenant),
        action: 'credential.delete',
        targetName: row.username,
        aggregateId: row.id,
        // The provisioner deletes the Secret, unless a newer credential replaced it.
        payload: {
          namespace: tenant.namespace,
          secret: passwordSecretName(cluster, account),
          credentialId: row.id,
        },
      })
    })
    return c.body(null, 204)
  })

  return app
}

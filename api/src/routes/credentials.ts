import { z } from '@hono/zod-openapi'
import { and, eq } from 'drizzle-orm'
import { randomToken } from '../auth/tokens.ts'
import type { Tx } from '../db/client.ts'
import { credentials } from '../db/schema/index.ts'
import { conflict, notFound } from '../errors.ts'
import { type Tenant, tenantOf } from '../http/context.ts'
import { jsonResponse, orgRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { scramMechanism } from '../kafka/scram.ts'
import {
  clientConfigs,
  loginSettled,
  securityProtocolOf,
  writePasswordSecret,
} from '../provisioner/credentials.ts'
import { kubeOf } from '../provisioner/kube.ts'
import {
  namespaceOf,
  passwordSecret,
  passwordSecretName,
  userResourceName,
} from '../provisioner/resources.ts'
import { recordChange } from '../resources/changes.ts'
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
    'The password goes only into the Kubernetes Secret of the service account and this answer, with a client configuration ready to paste. Needs Kubernetes: 503 while it cannot be reached.',
  request: { params: ServiceAccountParams },
  responses: { 201: jsonResponse('Issued; the password is shown once', IssuedCredentialSchema) },
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

  app.openapi(issueCredential, async (c) => {
    const tenant = tenantOf(c)
    const kube = kubeOf(c)
    const password = randomToken(32)
    const made = await c.get('db').transaction(async (tx) => {
      const { cluster, account } = await findServiceAccount(tx, tenant, c.req.valid('param'))
      if (account.deletionRequestedAt)
        throw conflict(`Service account ${account.name} is being deleted`)
      await tx.delete(credentials).where(eq(credentials.serviceAccountId, account.id))
      const [issued] = await tx
        .insert(credentials)
        .values({
          orgId: tenant.orgId,
          serviceAccountId: account.id,
          username: `${cluster.kafkaPrefix}${account.name}`,
          mechanism: scramMechanism,
        })
        .returning()
      if (!issued) throw new Error('insert returned nothing')
      await recordChange(tx, {
        orgId: tenant.orgId,
        actor: tenant.actor,
        requestId: c.get('requestId'),
        action: 'credential.create',
        targetType: 'credential',
        targetName: issued.username,
        aggregateId: issued.id,
        payload: { username: issued.username, serviceAccountId: account.id },
      })
      // Inside the transaction: when Kubernetes refuses, no credential row is left behind.
      const org = { id: tenant.orgId, name: tenant.orgName }
      const secret = await writePasswordSecret(
        kube,
        org,
        passwordSecret(org, cluster, account, issued.id, password),
      )
      const user = { name: userResourceName(cluster, account), namespace: namespaceOf(org) }
      return { row: issued, cluster, user, secretVersion: secret.metadata.resourceVersion }
    })
    const { row, cluster } = made
    const loginReady = await loginSettled(kube, made.user, made.secretVersion)
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
      await recordChange(tx, {
        orgId: tenant.orgId,
        actor: tenant.actor,
        requestId: c.get('requestId'),
        action: 'credential.delete',
        targetType: 'credential',
        targetName: row.username,
        aggregateId: row.id,
        // The provisioner deletes the Secret, unless a newer credential replaced it.
        payload: {
          namespace: namespaceOf({ name: tenant.orgName }),
          secret: passwordSecretName(cluster, account),
          credentialId: row.id,
        },
      })
    })
    return c.body(null, 204)
  })

  return app
}

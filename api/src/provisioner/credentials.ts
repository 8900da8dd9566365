import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaPools, KafkaUsers } from '@fjord/contract/resources'
import type { KafkaPool, KafkaUser } from '@fjord/contract/types'
import { getObject } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { Secrets } from '@fjord/kube/resources'
import { scramMechanism } from '../kafka/scram.ts'
import { kubeRefusal } from './kube.ts'
import { ensureOrgNamespace, type OrgAccess, ownedByOrg, writeOwned } from './ownership.ts'
import type { namespaceObject, passwordSecret } from './resources.ts'

type SecurityProtocol = 'SASL_PLAINTEXT' | 'SASL_SSL'

/**
 * Stores a password where the operator reads it: the service account's Secret, in the org's
 * namespace (made here when the provisioner has not made it yet). This is the only place the
 * password is kept. Only a Secret Fjord made for this org is replaced.
 */
export async function writePasswordSecret(
  kube: KubeClient,
  org: Parameters<typeof namespaceObject>[0],
  secret: ReturnType<typeof passwordSecret>,
  access: OrgAccess | undefined,
): Promise<KubeObject> {
  const signal = AbortSignal.timeout(10_000)
  try {
    await ensureOrgNamespace(kube, org, { signal, access })
    return await writeOwned(kube, Secrets, secret, ownedByOrg(org.id), { signal })
  } catch (error) {
    throw kubeRefusal(error, 'No credential was issued')
  }
}

/**
 * Waits (a few seconds at most) until the operator has set the password of this version of
 * the Secret in Kafka, so that a credential works the moment it is handed out. Answers
 * whether it did; a service account not provisioned yet gets its login later.
 */
export async function loginSettled(
  kube: KubeClient,
  user: { name: string; namespace: string },
  secretVersion: string | undefined,
  timeoutMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = await getObject<KafkaUser & KubeObject>(
      kube,
      KafkaUsers,
      user.name,
      user.namespace,
    ).catch(() => undefined)
    if (!found) return false
    if (found.status?.secretResourceVersion === secretVersion) return true
    if (Date.now() >= deadline) return false
    await sleep(100)
  }
}

/** How clients reach the pool a cluster lives on; plaintext SASL when that is not known yet. */
export async function securityProtocolOf(
  kube: KubeClient,
  pool: string | null,
): Promise<SecurityProtocol> {
  const found = pool
    ? await getObject<KafkaPool & KubeObject>(kube, KafkaPools, pool).catch(() => undefined)
    : undefined
  return found?.spec.securityProtocol ?? 'SASL_PLAINTEXT'
}

/** The connection settings of a credential, and the same as kcat, Java and Node want them. */
export function clientConfigs(
  cluster: { bootstrapServers: string | null; kafkaPrefix: string },
  username: string,
  password: string,
  securityProtocol: SecurityProtocol,
) {
  const bootstrap = cluster.bootstrapServers ?? '<bootstrap servers: the cluster is not Ready yet>'
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`
  return {
    connection: {
      bootstrapServers: cluster.bootstrapServers,
      securityProtocol,
      saslMechanism: scramMechanism,
      username,
      password,
      topicPrefix: cluster.kafkaPrefix,
    },
    clientConfig: {
      kcat: [
        `bootstrap.servers=${bootstrap}`,
        `security.protocol=${securityProtocol}`,
        `sasl.mechanisms=${scramMechanism}`,
        `sasl.username=${username}`,
        `sasl.password=${password}`,
        '',
      ].join('\n'),
      javaProperties: [
        `bootstrap.servers=${bootstrap}`,
        `security.protocol=${securityProtocol}`,
        `sasl.mechanism=${scramMechanism}`,
        `sasl.jaas.config=${jaas}`,
        '',
      ].join('\n'),
      node: {
        bootstrapBrokers: bootstrap.split(','),
        sasl: { mechanism: scramMechanism, username, password },
      },
    },
  }
}

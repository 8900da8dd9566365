/**
 * Dedicated clusters on Amazon MSK (`spec.provider: aws-msk`), through @aws-sdk/client-kafka.
 *
 * Reasons of the Ready condition this provider reports (stable; docs/operator.md lists them):
 *
 *   reason                  phase         Ready  when
 *   MskCreating             Provisioning  False  CreateClusterV2 sent, or MSK says CREATING
 *   MskActive               Ready         True   ACTIVE; bootstrapServers is the SASL/SCRAM string
 *   MskUpdating             Updating      True   an update was sent, or MSK says UPDATING, HEALING,
 *                                                MAINTENANCE or REBOOTING_BROKER (still usable)
 *   MskDeleting             Deleting      False  MSK says DELETING though the KafkaCluster is not
 *                                                being deleted (deleted outside Fjord; made again after)
 *   MskFailed               Failed        False  MSK says FAILED; the message carries StateInfo
 *   MskRejected             Failed        False  MSK refused a request as invalid (BadRequestException),
 *                                                e.g. an unknown subnet; the message is MSK's own
 *   BrokerDecreaseRefused   Failed        False  spec.msk.brokerNodes below the cluster's: MSK cannot
 *                                                remove brokers; nothing is attempted
 *   StorageDecreaseRefused  Failed        False  spec.msk.ebsVolumeGiB below the cluster's: EBS volumes
 *                                                only grow; nothing is attempted
 *   MskChangeNotSupported   Failed        False  kafkaVersion, instanceType, subnetIds or
 *                                                securityGroupIds differ from the cluster's
 *   MskNameTaken            Failed        False  an MSK cluster with the derived name exists but was not
 *                                                made for this KafkaCluster (Provisioning while that
 *                                                cluster is DELETING); it is never adopted nor deleted
 *   MskNoScramBootstrap     Failed        False  ACTIVE but MSK returns no SASL/SCRAM bootstrap string
 *   MskRegionMissing        Failed        False  neither spec.region nor the operator names a region
 *   MskSettingsMissing      Failed        False  spec.msk is absent (the CRD already forbids this)
 *
 * Throttling, 5xx and every other SDK error are rethrown so the controller backs off.
 */
import { createHash } from 'node:crypto'
import {
  BadRequestException,
  ConflictException,
  CreateClusterV2Command,
  type CreateClusterV2CommandInput,
  DeleteClusterCommand,
  DescribeClusterV2Command,
  GetBootstrapBrokersCommand,
  KafkaClient,
  ListClustersV2Command,
  type Cluster as MskCluster,
  NotFoundException,
  UpdateBrokerCountCommand,
  UpdateBrokerStorageCommand,
} from '@aws-sdk/client-kafka'
import type { Reason } from '@fjord/contract/reasons'
import type { KafkaClusterSpec } from '@fjord/contract/types'
import { type Backoff, backoffDelay } from '@fjord/time/backoff'
import { failed, type Outcome, ready, waiting } from '../reconcilers/context.ts'
import type { Cluster, ClusterProvider, ProvisionResult } from './provider.ts'

type MskSpec = NonNullable<KafkaClusterSpec['msk']>

export interface AwsMskProviderOptions {
  /** Makes the MSK client of a region; defaults to the SDK's client and credential chain. */
  client?: (region: string) => KafkaClient
  /** Region of clusters whose spec names none. */
  defaultRegion?: string
  /** First poll delay while MSK is busy; doubles on every poll up to `pollMaxMs`. */
  pollInitialMs?: number
  pollMaxMs?: number
}

/** CRD defaults, repeated for objects that were stored before the defaults existed. */
const defaultBrokerNodes = 3
const defaultEbsVolumeGiB = 100
/** Tags that mark an MSK cluster as made for one KafkaCluster. */
const ownerTag = 'fjord.dev/kafkacluster'
const uidTag = 'fjord.dev/uid'
const usableStates = new Set(['UPDATING', 'HEALING', 'MAINTENANCE', 'REBOOTING_BROKER'])

/** MSK names are 1–64 characters of `[0-9A-Za-z-]`, starting with a letter or digit. */
export function mskClusterName(namespace: string, name: string): string {
  const full = `${namespace}-${name}`.replace(/[^0-9A-Za-z-]/g, '-')
  if (full.length <= 64) return full
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8)
  return `${full.slice(0, 55)}-${hash}`
}

export function createClusterInput(cluster: Cluster, msk: MskSpec): CreateClusterV2CommandInput {
  const { namespace = '', name, uid } = cluster.metadata
  return {
    ClusterName: mskClusterName(namespace, name),
    Tags: { [ownerTag]: `${namespace}/${name}`, ...(uid ? { [uidTag]: uid } : {}) },
    Provisioned: {
      KafkaVersion: msk.kafkaVersion,
      NumberOfBrokerNodes: msk.brokerNodes ?? defaultBrokerNodes,
      BrokerNodeGroupInfo: {
        InstanceType: msk.instanceType,
        ClientSubnets: msk.subnetIds,
        ...(msk.securityGroupIds?.length ? { SecurityGroups: msk.securityGroupIds } : {}),
        StorageInfo: { EbsStorageInfo: { VolumeSize: msk.ebsVolumeGiB ?? defaultEbsVolumeGiB } },
      },
      // Fjord hands out SCRAM-SHA-512 credentials; MSK allows SCRAM only over TLS.
      ClientAuthentication: {
        Sasl: { Scram: { Enabled: true } },
        Unauthenticated: { Enabled: false },
      },
      EncryptionInfo: { EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } },
    },
  }
}

/** True when the MSK cluster carries the tags this KafkaCluster would have put on it. */
export function isMadeFor(found: MskCluster, cluster: Cluster): boolean {
  const { namespace = '', name, uid } = cluster.metadata
  const tags = found.Tags ?? {}
  if (tags[ownerTag] !== `${namespace}/${name}`) return false
  return !uid || !tags[uidTag] || tags[uidTag] === uid
}

/** The phase an MSK state means, for every state but ACTIVE (which needs the spec compared). */
export function outcomeOfState(found: MskCluster): Outcome {
  const name = found.ClusterName
  const state = found.State ?? 'unknown'
  if (state === 'CREATING')
    return waiting('MskCreating', `MSK cluster ${name} is being created`, 'Provisioning')
  if (state === 'DELETING')
    return waiting('MskDeleting', `MSK cluster ${name} is being deleted`, 'Deleting')
  if (state === 'FAILED') {
    const { Code, Message } = found.StateInfo ?? {}
    const why = [Code, Message].filter(Boolean).join(': ') || 'no reason given'
    return failed('MskFailed', `MSK cluster ${name} is FAILED: ${why}`)
  }
  if (usableStates.has(state)) return updating(`MSK cluster ${name} is ${state}`)
  return waiting('MskCreating', `MSK cluster ${name} is in state ${state}`, 'Provisioning')
}

const updating = (message: string): Outcome => ({
  phase: 'Updating',
  ready: true,
  reason: 'MskUpdating',
  message,
})

export type MskPlan =
  | { kind: 'none' }
  | { kind: 'refuse'; reason: Reason; message: string }
  | { kind: 'brokers'; target: number }
  | { kind: 'storage'; targetGiB: number }

/**
 * What to change on an ACTIVE cluster so it matches the spec. Decreases and changes MSK or
 * Fjord cannot make are refused before anything is attempted. MSK runs one operation at a
 * time, so brokers grow first and storage on a later reconcile.
 */
export function planMskUpdate(msk: MskSpec, actual: MskCluster): MskPlan {
  const provisioned = actual.Provisioned
  const group = provisioned?.BrokerNodeGroupInfo
  const brokers = provisioned?.NumberOfBrokerNodes
  const volume = group?.StorageInfo?.EbsStorageInfo?.VolumeSize
  const wantBrokers = msk.brokerNodes ?? defaultBrokerNodes
  const wantVolume = msk.ebsVolumeGiB ?? defaultEbsVolumeGiB
  if (brokers !== undefined && wantBrokers < brokers)
    return {
      kind: 'refuse',
      reason: 'BrokerDecreaseRefused',
      message: `brokerNodes cannot go from ${brokers} to ${wantBrokers}: MSK cannot remove brokers; set it to ${brokers} or more`,
    }
  if (volume !== undefined && wantVolume < volume)
    return {
      kind: 'refuse',
      reason: 'StorageDecreaseRefused',
      message: `ebsVolumeGiB cannot go from ${volume} to ${wantVolume}: EBS volumes only grow; set it to ${volume} or more`,
    }
  const changes = unsupportedChanges(msk, actual)
  if (changes.length > 0)
    return {
      kind: 'refuse',
      reason: 'MskChangeNotSupported',
      message: `changing ${changes.join(', ')} of an MSK cluster is not supported yet; set it back or make a new cluster`,
    }
  if (brokers !== undefined && wantBrokers > brokers)
    return { kind: 'brokers', target: wantBrokers }
  if (volume !== undefined && wantVolume > volume) return { kind: 'storage', targetGiB: wantVolume }
  return { kind: 'none' }
}

function unsupportedChanges(msk: MskSpec, actual: MskCluster): string[] {
  const provisioned = actual.Provisioned
  const group = provisioned?.BrokerNodeGroupInfo
  const changes: string[] = []
  const differs = (field: string, have: string | undefined, want: string) => {
    if (have !== undefined && have !== want) changes.push(`${field} (${have} → ${want})`)
  }
  const sameSet = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((x) => b.includes(x))
  differs('kafkaVersion', provisioned?.CurrentBrokerSoftwareInfo?.KafkaVersion, msk.kafkaVersion)
  differs('instanceType', group?.InstanceType, msk.instanceType)
  if (group?.ClientSubnets && !sameSet(group.ClientSubnets, msk.subnetIds))
    changes.push(`subnetIds (${group.ClientSubnets.join(',')} → ${msk.subnetIds.join(',')})`)
  // Without securityGroupIds MSK picks the VPC's default group: only an explicit list compares.
  if (msk.securityGroupIds?.length && !sameSet(group?.SecurityGroups ?? [], msk.securityGroupIds))
    changes.push(
      `securityGroupIds (${(group?.SecurityGroups ?? []).join(',')} → ${msk.securityGroupIds.join(',')})`,
    )
  return changes
}

/**
 * Per-cluster poll delays that double while MSK stays in one busy state. No jitter: these
 * wait on one cluster's own progress, and failed calls back off in the work queue, which
 * jitters.
 */
function pollBackoff(backoff: Backoff) {
  const polls = new Map<string, { state: string; count: number }>()
  return {
    next(key: string, state: string): number {
      const previous = polls.get(key)
      const count = previous?.state === state ? previous.count + 1 : 0
      polls.set(key, { state, count })
      return backoffDelay(count, backoff)
    },
    settle(key: string): void {
      polls.delete(key)
    },
  }
}

type Lookup =
  | { kind: 'none' }
  | { kind: 'ours'; cluster: MskCluster }
  | { kind: 'taken'; cluster: MskCluster }

export function awsMskProvider(options: AwsMskProviderOptions = {}): ClusterProvider {
  const makeClient = options.client ?? ((region: string) => new KafkaClient({ region }))
  const clients = new Map<string, KafkaClient>()
  const polls = pollBackoff({
    initialMs: options.pollInitialMs ?? 15_000,
    maxMs: options.pollMaxMs ?? 300_000,
    jitter: 0,
  })

  const clientFor = (region: string) => {
    let client = clients.get(region)
    if (!client) {
      client = makeClient(region)
      clients.set(region, client)
    }
    return client
  }
  const keyOf = (cluster: Cluster) =>
    cluster.metadata.uid ?? `${cluster.metadata.namespace}/${cluster.metadata.name}`

  /**
   * The MSK cluster of this KafkaCluster: by the ARN in status, else by name (a crash after
   * CreateClusterV2 leaves no ARN behind). A cluster of that name made for anything else is
   * reported, never adopted.
   */
  async function lookup(
    client: KafkaClient,
    cluster: Cluster,
    signal?: AbortSignal,
  ): Promise<Lookup> {
    const arn = cluster.status?.mskClusterArn
    if (arn) {
      try {
        const described = await client.send(new DescribeClusterV2Command({ ClusterArn: arn }), {
          abortSignal: signal,
        })
        if (described.ClusterInfo) return { kind: 'ours', cluster: described.ClusterInfo }
      } catch (error) {
        if (!(error instanceof NotFoundException)) throw error
      }
    }
    const name = mskClusterName(cluster.metadata.namespace ?? '', cluster.metadata.name)
    let NextToken: string | undefined
    do {
      // The filter matches name prefixes: keep only the exact name.
      const page = await client.send(
        new ListClustersV2Command({ ClusterNameFilter: name, NextToken }),
        { abortSignal: signal },
      )
      const found = page.ClusterInfoList?.find((c) => c.ClusterName === name)
      if (found) return { kind: isMadeFor(found, cluster) ? 'ours' : 'taken', cluster: found }
      NextToken = page.NextToken
    } while (NextToken)
    return { kind: 'none' }
  }

  async function create(
    client: KafkaClient,
    cluster: Cluster,
    msk: MskSpec,
    signal?: AbortSignal,
  ): Promise<ProvisionResult> {
    const input = createClusterInput(cluster, msk)
    const requeueAfterMs = polls.next(keyOf(cluster), 'CREATING')
    try {
      const created = await client.send(new CreateClusterV2Command(input), { abortSignal: signal })
      return {
        outcome: waiting(
          'MskCreating',
          `creating MSK cluster ${input.ClusterName}`,
          'Provisioning',
        ),
        ...(created.ClusterArn ? { status: { mskClusterArn: created.ClusterArn } } : {}),
        requeueAfterMs,
      }
    } catch (error) {
      // The name listing lags a fresh create: look it up again rather than fail.
      if (!(error instanceof ConflictException)) throw error
      return {
        outcome: waiting(
          'MskCreating',
          `MSK cluster ${input.ClusterName} already exists; looking it up again`,
          'Provisioning',
        ),
        requeueAfterMs,
      }
    }
  }

  async function converge(
    client: KafkaClient,
    cluster: Cluster,
    msk: MskSpec,
    found: MskCluster,
    signal?: AbortSignal,
  ): Promise<ProvisionResult> {
    const key = keyOf(cluster)
    const state = found.State ?? 'unknown'
    const status: ProvisionResult['status'] = { mskClusterArn: found.ClusterArn }
    if (state === 'ACTIVE' || usableStates.has(state)) {
      const brokers = await client.send(
        new GetBootstrapBrokersCommand({ ClusterArn: found.ClusterArn }),
        { abortSignal: signal },
      )
      if (brokers.BootstrapBrokerStringSaslScram)
        status.bootstrapServers = brokers.BootstrapBrokerStringSaslScram
      else if (state === 'ACTIVE') {
        polls.settle(key)
        return {
          outcome: failed(
            'MskNoScramBootstrap',
            `MSK cluster ${found.ClusterName} has no SASL/SCRAM bootstrap brokers; it needs SASL/SCRAM client authentication`,
          ),
          status,
        }
      }
    }
    if (state !== 'ACTIVE') {
      const outcome = outcomeOfState(found)
      if (state === 'FAILED') {
        polls.settle(key)
        return { outcome, status }
      }
      return { outcome, status, requeueAfterMs: polls.next(key, state) }
    }
    const plan = planMskUpdate(msk, found)
    if (plan.kind === 'none') {
      polls.settle(key)
      return { outcome: ready(`MSK cluster ${found.ClusterName} is ACTIVE`, 'MskActive'), status }
    }
    if (plan.kind === 'refuse') {
      polls.settle(key)
      return { outcome: failed(plan.reason, plan.message), status }
    }
    const target = { ClusterArn: found.ClusterArn, CurrentVersion: found.CurrentVersion }
    try {
      if (plan.kind === 'brokers')
        await client.send(
          new UpdateBrokerCountCommand({ ...target, TargetNumberOfBrokerNodes: plan.target }),
          { abortSignal: signal },
        )
      else
        await client.send(
          new UpdateBrokerStorageCommand({
            ...target,
            TargetBrokerEBSVolumeInfo: [{ KafkaBrokerNodeId: 'All', VolumeSizeGB: plan.targetGiB }],
          }),
          { abortSignal: signal },
        )
    } catch (error) {
      // Another operation began, or CurrentVersion moved on: describe again later.
      if (!(error instanceof ConflictException)) throw error
    }
    const message =
      plan.kind === 'brokers'
        ? `growing MSK cluster ${found.ClusterName} to ${plan.target} brokers`
        : `growing the broker storage of MSK cluster ${found.ClusterName} to ${plan.targetGiB} GiB`
    return { outcome: updating(message), status, requeueAfterMs: polls.next(key, 'UPDATING') }
  }

  return {
    async reconcile(cluster, signal) {
      const msk = cluster.spec.msk
      if (!msk)
        return { outcome: failed('MskSettingsMissing', 'provider aws-msk needs spec.msk settings') }
      const region = cluster.spec.region ?? options.defaultRegion
      if (!region)
        return {
          outcome: failed(
            'MskRegionMissing',
            'spec.region is not set and the operator has no default AWS region',
          ),
        }
      const client = clientFor(region)
      try {
        const found = await lookup(client, cluster, signal)
        if (found.kind === 'none') return await create(client, cluster, msk, signal)
        if (found.kind === 'taken')
          return nameTaken(found.cluster, polls.next(keyOf(cluster), 'TAKEN'))
        return await converge(client, cluster, msk, found.cluster, signal)
      } catch (error) {
        if (!(error instanceof BadRequestException)) throw error
        polls.settle(keyOf(cluster))
        return { outcome: failed('MskRejected', error.message || error.Message || error.name) }
      }
    },

    async remove(cluster, signal) {
      const key = keyOf(cluster)
      const region = cluster.spec.region ?? options.defaultRegion
      // Without a region nothing can have been created.
      if (!cluster.spec.msk || !region) return { done: true }
      const client = clientFor(region)
      const found = await lookup(client, cluster, signal)
      if (found.kind !== 'ours') {
        polls.settle(key)
        return { done: true }
      }
      if (found.cluster.State !== 'DELETING') {
        try {
          await client.send(new DeleteClusterCommand({ ClusterArn: found.cluster.ClusterArn }), {
            abortSignal: signal,
          })
        } catch (error) {
          if (!(error instanceof NotFoundException)) throw error
          polls.settle(key)
          return { done: true }
        }
      }
      // Done only once MSK no longer knows the cluster.
      return { done: false, requeueAfterMs: polls.next(key, 'DELETING') }
    },
  }
}

function nameTaken(other: MskCluster, requeueAfterMs: number): ProvisionResult {
  const name = other.ClusterName
  if (other.State === 'DELETING')
    return {
      outcome: waiting(
        'MskNameTaken',
        `waiting for the earlier MSK cluster ${name} to finish deleting`,
        'Provisioning',
      ),
      requeueAfterMs,
    }
  return {
    outcome: failed(
      'MskNameTaken',
      `an MSK cluster named ${name} (${other.ClusterArn}) exists and was not made for this KafkaCluster; rename one of them`,
    ),
  }
}

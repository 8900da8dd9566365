import { randomBytes } from 'node:crypto'
import { reasons } from '@fjord/contract/reasons'
import { type ApplyObject, apply, FIELD_MANAGER, getObject } from '@fjord/kube/apply'
import type { KubeClient, KubeObject, OwnerReference } from '@fjord/kube/client'
import { isAlreadyExists, isInvalid, isKubeError } from '@fjord/kube/errors'
import {
  ConfigMaps,
  collectionPath,
  defineResource,
  objectPath,
  PodDisruptionBudgets,
  type ResourceType,
  Secrets,
  Services,
  StatefulSets,
} from '@fjord/kube/resources'
import { PatchStrategy } from '@kubernetes/client-node'
import {
  failed,
  type OperatorContext,
  type Outcome,
  ready,
  waiting,
} from '../reconcilers/context.ts'
import {
  bootstrapServers,
  defaultRenderOptions,
  type Layout,
  layoutOf,
  namesOf,
  nameTooLong,
  quorumVoters,
  type RenderOptions,
  type Role,
  renderAdminSecret,
  renderBootstrapService,
  renderConfigMap,
  renderHeadlessService,
  rolesOf,
} from './kubernetes-render.ts'
import {
  configHash,
  parseQuantity,
  renderPodDisruptionBudget,
  renderStatefulSet,
} from './kubernetes-workload.ts'
import type { ClusterProvider } from './provider.ts'

const PersistentVolumeClaims = defineResource(
  'v1',
  'PersistentVolumeClaim',
  'persistentvolumeclaims',
)

export interface KubernetesProviderOptions extends Partial<RenderOptions> {
  /** How soon to look again while the StatefulSets are not ready (they send no events here). */
  pollIntervalMs?: number
}

/** What the apiserver holds now, read before anything is written. */
export interface Observed {
  statefulSets: Partial<Record<Role, KubeObject>>
  configMap?: KubeObject
}

/**
 * Dedicated clusters as KRaft StatefulSets in the KafkaCluster's namespace. Everything made
 * is owned by the KafkaCluster, so deleting it lets the garbage collector delete the rest.
 */
export function kubernetesProvider(
  ctx: OperatorContext,
  options: KubernetesProviderOptions = {},
): ClusterProvider {
  const { pollIntervalMs = 5_000, ...render } = options
  const renderOptions: RenderOptions = { ...defaultRenderOptions, ...render }
  return {
    async reconcile(cluster, signal) {
      const tooLong = nameTooLong(cluster.metadata.name)
      if (tooLong) return { outcome: failed(reasons.ClusterNameTooLong, tooLong) }
      const layout = layoutOf(cluster, renderOptions)
      const observed = await observe(ctx.client, layout, signal)
      const refused = refusalOf(layout, observed)
      if (refused) return { outcome: refused }
      try {
        const statefulSets = await applyAll(ctx.client, layout, observed, signal)
        const expansion = await expandClaims(ctx.client, layout, observed, signal)
        if (expansion) return { outcome: expansion }
        const outcome = readinessOf(layout, statefulSets)
        return outcome.ready
          ? { outcome, status: { bootstrapServers: bootstrapServers(layout) } }
          : { outcome, requeueAfterMs: pollIntervalMs }
      } catch (error) {
        if (error instanceof NotOwnedByCluster) {
          return { outcome: failed(reasons.NotCreatedByFjord, error.message) }
        }
        if (!isInvalid(error)) throw error
        return { outcome: failed(reasons.RenderRejected, (error as Error).message) }
      }
    },
    // Every object carries the KafkaCluster as its controller owner: the garbage collector
    // deletes them (and the StatefulSets' retention policy the volumes) once it is gone.
    async remove() {
      return { done: true }
    },
  }
}

async function observe(
  client: KubeClient,
  layout: Layout,
  signal?: AbortSignal,
): Promise<Observed> {
  const names = namesOf(layout.name)
  // What the cluster does not control says nothing about it (and is refused when applied).
  const get = async (type: ResourceType, name: string) => {
    const found = await getObject(client, type, name, layout.namespace, { signal })
    return found && controlledBy(found, layout.owner) ? found : undefined
  }
  const [broker, controller, configMap] = await Promise.all([
    get(StatefulSets, names.statefulSet('broker')),
    get(StatefulSets, names.statefulSet('controller')),
    get(ConfigMaps, names.config),
  ])
  return { statefulSets: { broker, controller }, configMap }
}

/** The claim template's size, as the set was created with. */
export function claimStorageOf(statefulSet: KubeObject | undefined): string | undefined {
  return statefulSet?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage
}

/**
 * Changes that cannot be made safely are refused before anything is written: fewer brokers
 * would lose the partitions on the removed ones, volumes cannot shrink, and the KRaft
 * quorum of a running cluster is not resized by re-rendering its voters.
 */
export function refusalOf(layout: Layout, observed: Observed): Outcome | undefined {
  const brokers = observed.statefulSets.broker?.spec?.replicas
  if (typeof brokers === 'number' && layout.brokers < brokers) {
    return failed(
      reasons.BrokerDecreaseRefused,
      `brokers cannot go from ${brokers} to ${layout.brokers}: the partitions on the removed brokers would be lost`,
    )
  }
  const desired = parseQuantity(layout.storage) ?? 0
  for (const statefulSet of Object.values(observed.statefulSets)) {
    const current = claimStorageOf(statefulSet)
    if (current !== undefined && desired < (parseQuantity(current) ?? 0)) {
      return failed(
        reasons.StorageDecreaseRefused,
        `storage cannot go from ${current} to ${layout.storage}: volumes cannot shrink`,
      )
    }
  }
  const voters = votersOf(observed.configMap)
  if (voters !== undefined && voters !== quorumVoters(layout)) {
    return failed(
      reasons.QuorumChangeRefused,
      `the controller quorum of a running cluster stays as created (${voters.split(',').length} voters); ${describeQuorum(layout)} would change it`,
    )
  }
  return undefined
}

function describeQuorum(layout: Layout): string {
  return layout.controllers > 0
    ? `${layout.controllers} dedicated controllers`
    : `${layout.brokers} combined brokers`
}

/** `controller.quorum.voters` as the applied ConfigMap has it. */
export function votersOf(configMap: KubeObject | undefined): string | undefined {
  const text: string | undefined = configMap?.data?.['broker.properties']
  return text
    ?.split('\n')
    .find((line) => line.startsWith('controller.quorum.voters='))
    ?.slice('controller.quorum.voters='.length)
}

/** An object of the name the cluster needs is there, and the cluster does not own it. */
class NotOwnedByCluster extends Error {
  constructor(type: ResourceType, object: KubeObject) {
    super(
      `${type.kind} ${object.metadata.namespace}/${object.metadata.name} exists and was not created by Fjord for this cluster; it is left as it is`,
    )
  }
}

const controlledBy = (object: KubeObject, owner: OwnerReference) =>
  (object.metadata.ownerReferences ?? []).some((o) => o.controller && o.uid === owner.uid)

/**
 * Server-side applies an object the cluster owns. One of that name that the cluster does not
 * control is refused untouched. A plain create would leave the first fields to a manager of
 * its own, which later applies could not take away, so only the moment between this read and
 * the apply is left open.
 */
async function applyOwned(
  client: KubeClient,
  type: ResourceType,
  object: ApplyObject,
  owner: OwnerReference,
  signal?: AbortSignal,
): Promise<KubeObject> {
  const { name, namespace } = object.metadata
  const existing = await getObject(client, type, name, namespace, { signal })
  if (existing && !controlledBy(existing, owner)) throw new NotOwnedByCluster(type, existing)
  return apply(client, type, object, { signal })
}

/** Server-side applies every object; returns the StatefulSets as the apiserver has them now. */
async function applyAll(
  client: KubeClient,
  layout: Layout,
  observed: Observed,
  signal?: AbortSignal,
): Promise<Partial<Record<Role, KubeObject>>> {
  const owned = (type: ResourceType, object: ApplyObject) =>
    applyOwned(client, type, object, layout.owner, signal)
  const configMap = renderConfigMap(layout)
  await owned(ConfigMaps, configMap)
  await ensureAdminSecret(client, layout, signal)
  await owned(Services, renderHeadlessService(layout))
  await owned(Services, renderBootstrapService(layout))
  const statefulSets: Partial<Record<Role, KubeObject>> = {}
  for (const role of rolesOf(layout)) {
    statefulSets[role] = await owned(
      StatefulSets,
      renderStatefulSet(layout, {
        role,
        configHash: configHash(configMap),
        claimStorage: claimStorageOf(observed.statefulSets[role]) ?? layout.storage,
      }),
    )
    await owned(PodDisruptionBudgets, renderPodDisruptionBudget(layout, role))
  }
  return statefulSets
}

/**
 * The admin password is generated once: an existing Secret keeps its password, and a new
 * one is created (not applied) so that a concurrent creator's password is never replaced.
 */
async function ensureAdminSecret(client: KubeClient, layout: Layout, signal?: AbortSignal) {
  const name = namesOf(layout.name).adminSecret
  const existing = await getObject(client, Secrets, name, layout.namespace, { signal })
  if (existing && !controlledBy(existing, layout.owner)) {
    throw new NotOwnedByCluster(Secrets, existing)
  }
  const stored: string | undefined = existing?.data?.password
  if (stored) {
    const password = Buffer.from(stored, 'base64').toString('utf8')
    await apply(client, Secrets, renderAdminSecret(layout, password), { signal })
    return
  }
  const secret = renderAdminSecret(layout, randomBytes(24).toString('base64url'))
  if (!existing) {
    try {
      await client.request('POST', collectionPath(Secrets, layout.namespace), {
        body: { apiVersion: 'v1', kind: 'Secret', ...secret },
        query: { fieldManager: FIELD_MANAGER },
        signal,
      })
    } catch (error) {
      if (!isAlreadyExists(error)) throw error
      return ensureAdminSecret(client, layout, signal)
    }
  }
  // Taken over by apply at once, so the next reconcile's apply finds nothing to change.
  await apply(client, Secrets, secret, { signal })
}

/**
 * A claim template cannot change once the StatefulSet exists, so more storage is asked of
 * each existing claim instead (the StorageClass must allow expansion).
 */
async function expandClaims(
  client: KubeClient,
  layout: Layout,
  observed: Observed,
  signal?: AbortSignal,
): Promise<Outcome | undefined> {
  const desired = parseQuantity(layout.storage) ?? 0
  for (const role of rolesOf(layout)) {
    const statefulSet = observed.statefulSets[role]
    const template = claimStorageOf(statefulSet)
    if (!statefulSet || template === undefined || desired <= (parseQuantity(template) ?? 0)) {
      continue
    }
    const replicas = role === 'broker' ? layout.brokers : layout.controllers
    for (let i = 0; i < replicas; i++) {
      const name = `data-${statefulSet.metadata.name}-${i}`
      const claim = await getObject(client, PersistentVolumeClaims, name, layout.namespace, {
        signal,
      })
      const current = claim?.spec?.resources?.requests?.storage
      if (!claim || desired <= (parseQuantity(current ?? '0') ?? 0)) continue
      try {
        await client.request('PATCH', objectPath(PersistentVolumeClaims, name, layout.namespace), {
          body: { spec: { resources: { requests: { storage: layout.storage } } } },
          contentType: PatchStrategy.MergePatch,
          query: { fieldManager: FIELD_MANAGER },
          signal,
        })
      } catch (error) {
        // Invalid: the claim is not bound yet; Forbidden: its StorageClass cannot expand.
        if (!isInvalid(error) && !isKubeError(error, 'forbidden')) throw error
        return failed(
          reasons.StorageExpansionFailed,
          `volume ${name} cannot grow from ${current} to ${layout.storage}: ${(error as Error).message}`,
        )
      }
    }
  }
  return undefined
}

/**
 * Ready once every StatefulSet has observed its latest spec and has all its replicas ready;
 * no kubelet or controller reports anything else to go by.
 */
export function readinessOf(
  layout: Layout,
  statefulSets: Partial<Record<Role, KubeObject>>,
): Outcome {
  const parts: string[] = []
  let allReady = true
  for (const role of rolesOf(layout)) {
    const set = statefulSets[role]
    const replicas: number = set?.spec?.replicas ?? 0
    const readyReplicas: number = set?.status?.readyReplicas ?? 0
    const seen: number | undefined = set?.status?.observedGeneration
    const observed = (seen ?? 0) >= (set?.metadata.generation ?? 1)
    allReady &&= observed && readyReplicas === replicas
    // A set never seen by its controller has nothing to roll out yet: just none ready.
    const note = seen !== undefined && !observed ? ' (update not yet rolled out)' : ''
    parts.push(`${readyReplicas}/${replicas} ${role}s ready${note}`)
  }
  const message = parts.join(', ')
  return allReady ? ready(message) : waiting(reasons.NodesNotReady, message, 'Provisioning')
}

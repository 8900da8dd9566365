import { setTimeout as sleep } from 'node:timers/promises'
import { isCreatedByFjord, labels, managedBy } from '@fjord/contract/metadata'
import { reasons } from '@fjord/contract/reasons'
import {
  type ApplyObject,
  createObject,
  deleteObject,
  getObject,
  replaceObject,
} from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { isAlreadyExists } from '@fjord/kube/errors'
import { defineResource, Namespaces, type ResourceType } from '@fjord/kube/resources'
import { fieldManager, namespaceObject } from './resources.ts'

/**
 * Fjord changes and deletes only what it made: an object that is in the way without Fjord's
 * labels is refused, never taken over, and deletions carry the uid that was checked. Its name
 * is the reason the refused row's condition shows.
 */
export class NotCreatedByFjord extends Error {
  override name = reasons.NotCreatedByFjord

  constructor(kind: string, name: string, namespace?: string) {
    super(
      `${kind} ${namespace ? `${namespace}/` : ''}${name} exists and was not created by Fjord; it is left as it is`,
    )
  }
}

type Owns = (object: KubeObject) => boolean
type Org = Parameters<typeof namespaceObject>[0]
interface Options {
  signal?: AbortSignal
}

/**
 * The api's rights inside org namespaces (their password Secrets) come from a ClusterRole it
 * binds to its own ServiceAccount in each namespace it makes (FJORD_ORG_ROLE), so that it can
 * read no Secret elsewhere. The chart allows it that one binding and no other.
 */
export interface OrgAccess {
  role: string
  serviceAccount: { name: string; namespace: string }
}

export function orgAccessOf(config: {
  orgRole?: string | undefined
  serviceAccount?: string | undefined
  systemNamespace: string
}): OrgAccess | undefined {
  if (!config.orgRole || !config.serviceAccount) return undefined
  return {
    role: config.orgRole,
    serviceAccount: { name: config.serviceAccount, namespace: config.systemNamespace },
  }
}

const RoleBindings = defineResource('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings')
const rbacSettleMs = 5_000

/**
 * Binds the org role to the api in `namespace` unless a binding of that name is there. A new
 * binding reaches the apiserver's authorizer a moment later: this waits until the api may
 * read Secrets there, so the write that follows is not refused.
 */
export async function bindOrgRole(
  kube: KubeClient,
  namespace: string,
  access: OrgAccess,
  options: Options = {},
): Promise<void> {
  try {
    await createObject(
      kube,
      RoleBindings,
      {
        apiVersion: RoleBindings.apiVersion,
        kind: RoleBindings.kind,
        metadata: { name: access.role, namespace, labels: { [labels.managedBy]: managedBy } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: access.role },
        subjects: [{ kind: 'ServiceAccount', ...access.serviceAccount }],
      },
      { ...options, fieldManager },
    )
  } catch (error) {
    if (isAlreadyExists(error)) return
    throw error
  }
  const deadline = Date.now() + rbacSettleMs
  while (!(await maySecrets(kube, namespace, options)) && Date.now() < deadline) {
    await sleep(100, undefined, { signal: options.signal })
  }
}

async function maySecrets(kube: KubeClient, namespace: string, options: Options) {
  const review = await kube.request<{ status?: { allowed?: boolean } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { namespace, verb: 'get', resource: 'secrets' } },
      },
      ...(options.signal ? { signal: options.signal } : {}),
    },
  )
  return review.status?.allowed === true
}

export const ownedByOrg =
  (orgId: string): Owns =>
  (object) =>
    isCreatedByFjord(object, orgId)

/**
 * What Fjord made for the platform rather than for an org (pools and their Secrets). The api
 * registered pools by server-side apply before it labelled them: its field manager says so.
 */
export const ownedByPlatform: Owns = (object) =>
  object.metadata.labels?.[labels.managedBy] === managedBy ||
  (object.metadata.managedFields ?? []).some(
    (entry) => (entry as { manager?: string }).manager === fieldManager,
  )

/**
 * Makes the org's namespace with a plain create. One that exists is used only when Fjord made
 * it for this org, and is never changed here.
 */
export async function ensureOrgNamespace(
  kube: KubeClient,
  org: Org,
  options: Options & { access?: OrgAccess | undefined } = {},
): Promise<void> {
  const { access, ...rest } = options
  try {
    await createObject(kube, Namespaces, namespaceObject(org), { ...rest, fieldManager })
  } catch (error) {
    if (!isAlreadyExists(error)) throw error
    const existing = await getObject(kube, Namespaces, org.namespace, undefined, rest)
    if (!existing) throw new Error(`Namespace ${org.namespace} went away while it was made`)
    if (!isCreatedByFjord(existing, org.id)) throw new NotCreatedByFjord('Namespace', org.namespace)
    if (existing.metadata.deletionTimestamp) {
      throw new Error(`Namespace ${org.namespace} is still being deleted`)
    }
  }
  if (access) await bindOrgRole(kube, org.namespace, access, rest)
}

/**
 * Makes the platform's own namespace (pools' Secrets, the status Lease) when it is missing;
 * one that exists is the platform's and is never changed.
 */
export async function ensureSystemNamespace(kube: KubeClient, name: string): Promise<void> {
  await createObject(kube, Namespaces, { metadata: { name } }, { fieldManager }).catch(
    (error: unknown) => {
      if (!isAlreadyExists(error)) throw error
    },
  )
}

/**
 * Brings the labels and annotations of the org's namespace up to date (its display name may
 * change), when the namespace exists and is Fjord's; anything else is left alone.
 */
export async function refreshOrgNamespace(kube: KubeClient, org: Org): Promise<void> {
  const existing = await getObject(kube, Namespaces, org.namespace)
  if (!existing || !isCreatedByFjord(existing, org.id) || existing.metadata.deletionTimestamp)
    return
  const wanted = namespaceObject(org)
  const differs = (have: Record<string, string> | undefined, want: Record<string, string>) =>
    Object.entries(want).some(([key, value]) => have?.[key] !== value)
  const { labels: have, annotations } = existing.metadata
  if (!differs(have, wanted.metadata.labels) && !differs(annotations, wanted.metadata.annotations))
    return
  const replacement = keepingOthers(existing, { ...existing, metadata: wanted.metadata })
  await replaceObject(kube, Namespaces, replacement, { fieldManager })
}

/**
 * Creates `object`, or replaces the one of its name when `owns` says Fjord made it; anything
 * else of that name is refused and left as it is. `keep` carries over what others put on the
 * object Fjord replaces (the operator's finalizers, owners and annotations).
 */
export async function writeOwned<T extends KubeObject = KubeObject>(
  kube: KubeClient,
  type: ResourceType,
  object: ApplyObject,
  owns: Owns,
  options: Options & { keep?: (existing: KubeObject, object: ApplyObject) => ApplyObject } = {},
): Promise<T> {
  const { name, namespace } = object.metadata
  const existing = await getObject(kube, type, name, namespace, options)
  if (!existing) return createObject<T>(kube, type, object, { ...options, fieldManager })
  if (!owns(existing)) throw new NotCreatedByFjord(type.kind, name, namespace)
  const replacement = options.keep?.(existing, object) ?? object
  return replaceObject<T>(
    kube,
    type,
    {
      ...replacement,
      metadata: { ...replacement.metadata, resourceVersion: existing.metadata.resourceVersion },
    },
    { ...options, fieldManager },
  )
}

/**
 * Deletes an object Fjord made, as it was when checked (uid precondition), and answers what
 * it found: `deleting` (now or already), `gone`, or `not-owned`, which is left as it is.
 */
export async function deleteOwned(
  kube: KubeClient,
  type: ResourceType,
  name: string,
  namespace: string | undefined,
  owns: Owns,
): Promise<'deleting' | 'gone' | 'not-owned'> {
  const existing = await getObject(kube, type, name, namespace)
  if (!existing) return 'gone'
  if (!owns(existing)) return 'not-owned'
  if (existing.metadata.deletionTimestamp) return 'deleting'
  const deleted = await deleteObject(kube, type, name, namespace, { uid: existing.metadata.uid })
  return deleted ? 'deleting' : 'gone'
}

/**
 * `object` as a replacement of `existing`: the spec and Fjord's labels and annotations are
 * Fjord's; the finalizers, owners, labels and annotations others put on stay.
 */
export function keepingOthers(existing: KubeObject, object: ApplyObject): ApplyObject {
  const { managedFields: _, ...metadata } = existing.metadata
  const wanted = object.metadata as { labels?: object; annotations?: object }
  return {
    ...object,
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, ...wanted.labels },
      annotations: { ...metadata.annotations, ...wanted.annotations },
    },
  }
}

import { isDeepStrictEqual } from 'node:util'
import { PatchStrategy } from '@kubernetes/client-node'
import type { KubeClient, KubeObject } from './client.ts'
import { isNotFound } from './errors.ts'
import { listPages } from './list.ts'
import { collectionPath, objectPath, type ResourceType } from './resources.ts'

/** The one field manager the operator applies as, so it owns exactly the fields it sets. */
export const FIELD_MANAGER = 'fjord-operator'

export interface WriteOptions {
  signal?: AbortSignal
  fieldManager?: string
}

/** What an apply sends: the fields the operator has an opinion on, nothing read back. */
export interface ApplyObject {
  apiVersion?: string
  kind?: string
  metadata: { name: string; namespace?: string; [field: string]: unknown }
  [field: string]: unknown
}

function withTypeMeta(type: ResourceType, object: ApplyObject): ApplyObject {
  return { ...object, apiVersion: type.apiVersion, kind: type.kind }
}

function pathOf(type: ResourceType, object: { metadata: { name: string; namespace?: string } }) {
  return objectPath(type, object.metadata.name, object.metadata.namespace)
}

/**
 * Server-side apply, forced: fields another manager set are taken over rather than
 * reported as conflicts, because the operator is the authority on what it renders.
 * Creates the object if it does not exist.
 */
export function apply<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  object: ApplyObject,
  options: WriteOptions = {},
): Promise<T> {
  return client.request<T>('PATCH', pathOf(type, object), {
    body: withTypeMeta(type, object),
    contentType: PatchStrategy.ServerSideApply,
    query: { fieldManager: options.fieldManager ?? FIELD_MANAGER, force: true },
    signal: options.signal,
  })
}

/**
 * Creates an object with a plain POST: when one of that name exists already, this fails with
 * `already_exists` and leaves it as it is, where an apply would take it over.
 */
export function createObject<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  object: ApplyObject,
  options: WriteOptions = {},
): Promise<T> {
  return client.request<T>('POST', collectionPath(type, object.metadata.namespace), {
    body: withTypeMeta(type, object),
    query: { fieldManager: options.fieldManager ?? FIELD_MANAGER },
    signal: options.signal,
  })
}

/**
 * Replaces an object with a PUT guarded by the resourceVersion it carries: when the object
 * changed since it was read (or is another incarnation), this fails with `conflict`.
 */
export function replaceObject<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  object: ApplyObject & { metadata: { resourceVersion?: string } },
  options: WriteOptions = {},
): Promise<T> {
  if (!object.metadata.resourceVersion) {
    throw new Error(`${type.kind} ${object.metadata.name}: no resourceVersion to replace`)
  }
  return client.request<T>('PUT', pathOf(type, object), {
    body: withTypeMeta(type, object),
    query: { fieldManager: options.fieldManager ?? FIELD_MANAGER },
    signal: options.signal,
  })
}

/**
 * Server-side apply of the status subresource only. The spec is never touched, so this
 * cannot fight with whoever owns the spec (the API's provisioner).
 */
export function applyStatus<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  object: { metadata: { name: string; namespace?: string } },
  status: Record<string, unknown>,
  options: WriteOptions = {},
): Promise<T> {
  const { name, namespace } = object.metadata
  return client.request<T>('PATCH', `${pathOf(type, object)}/status`, {
    body: withTypeMeta(type, { metadata: { name, ...(namespace ? { namespace } : {}) }, status }),
    contentType: PatchStrategy.ServerSideApply,
    query: { fieldManager: options.fieldManager ?? FIELD_MANAGER, force: true },
    signal: options.signal,
  })
}

/**
 * Applies `status` unless `current.status` already says exactly that. A reconcile that
 * changes nothing then writes nothing, which keeps a resync of 10,000 objects from
 * becoming 10,000 writes and 10,000 watch events. Assumes the operator owns the whole
 * status.
 */
export async function applyStatusIfChanged<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  current: KubeObject,
  status: Record<string, unknown>,
  options: WriteOptions = {},
): Promise<{ changed: boolean; object: T }> {
  if (statusEquals(current.status, status)) return { changed: false, object: current as T }
  return { changed: true, object: await applyStatus<T>(client, type, current, status, options) }
}

/** Compares two statuses as JSON would: absent and undefined fields are the same. */
export function statusEquals(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(normalise(a ?? {}), normalise(b ?? {}))
}

function normalise(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value))
}

export function hasFinalizer(object: KubeObject, finalizer: string): boolean {
  return object.metadata.finalizers?.includes(finalizer) ?? false
}

/**
 * Adds a finalizer with a merge patch guarded by the object's resourceVersion: the whole
 * list is rewritten, so a stale copy must fail with a conflict rather than drop someone
 * else's finalizer. Returns the object unchanged when the finalizer is already there.
 */
export async function addFinalizer<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  object: T,
  finalizer: string,
  options: { signal?: AbortSignal } = {},
): Promise<T> {
  if (hasFinalizer(object, finalizer)) return object
  return patchFinalizers(
    client,
    type,
    object,
    [...(object.metadata.finalizers ?? []), finalizer],
    options,
  )
}

/** Removes a finalizer (same guard as `addFinalizer`); a no-op when it is not there. */
export async function removeFinalizer<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  object: T,
  finalizer: string,
  options: { signal?: AbortSignal } = {},
): Promise<T> {
  if (!hasFinalizer(object, finalizer)) return object
  const rest = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer)
  return patchFinalizers(client, type, object, rest, options)
}

function patchFinalizers<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  object: T,
  finalizers: string[],
  options: { signal?: AbortSignal },
): Promise<T> {
  const { resourceVersion } = object.metadata
  if (!resourceVersion) throw new Error(`${type.kind} ${object.metadata.name}: no resourceVersion`)
  return client.request<T>('PATCH', pathOf(type, object), {
    // null, not [], clears the list: merge patch treats null as "remove the field".
    body: { metadata: { resourceVersion, finalizers: finalizers.length ? finalizers : null } },
    contentType: PatchStrategy.MergePatch,
    signal: options.signal,
  })
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan'

/**
 * Deletes an object; resolves to false when it was already gone, which a level-triggered
 * caller treats as success. With `uid`, only that incarnation is deleted, never a
 * namesake created since; with `resourceVersion` too, only if it has not changed since.
 */
export async function deleteObject(
  client: KubeClient,
  type: ResourceType,
  name: string,
  namespace: string | undefined,
  options: {
    propagationPolicy?: PropagationPolicy
    uid?: string
    resourceVersion?: string
    signal?: AbortSignal
  } = {},
): Promise<boolean> {
  const { uid, resourceVersion } = options
  try {
    await client.request('DELETE', objectPath(type, name, namespace), {
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: options.propagationPolicy ?? 'Background',
        ...(uid || resourceVersion ? { preconditions: { uid, resourceVersion } } : {}),
      },
      signal: options.signal,
    })
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    throw error
  }
}

/** Reads one object; undefined when it does not exist. */
export async function getObject<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  name: string,
  namespace?: string,
  options: { signal?: AbortSignal } = {},
): Promise<T | undefined> {
  try {
    return await client.get<T>(objectPath(type, name, namespace), { signal: options.signal })
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/**
 * Lists every object of a type (all namespaces when none is given), page by page. For
 * one-off questions such as "which StatefulSets carry our label"; steady watching is the
 * informer's job.
 */
export async function listObjects<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  options: {
    namespace?: string
    labelSelector?: string
    fieldSelector?: string
    pageSize?: number
    signal?: AbortSignal
  } = {},
): Promise<T[]> {
  const items: T[] = []
  const pages = listPages(
    (query) =>
      client.get(collectionPath(type, options.namespace), {
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          ...query,
        },
        signal: options.signal,
      }),
    { pageSize: options.pageSize },
  )
  for await (const page of pages) for (const item of page.items) items.push(item as T)
  return items
}

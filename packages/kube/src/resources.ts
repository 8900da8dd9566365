import type { KubeObject, OwnerReference } from './client.ts'

/** Enough about a resource type to build its URLs without a discovery round trip. */
export interface ResourceType {
  apiVersion: string
  kind: string
  plural: string
  namespaced: boolean
}

export function defineResource(
  apiVersion: string,
  kind: string,
  plural: string,
  namespaced = true,
): ResourceType {
  return { apiVersion, kind, plural, namespaced }
}

export const ConfigMaps = defineResource('v1', 'ConfigMap', 'configmaps')
export const Secrets = defineResource('v1', 'Secret', 'secrets')
export const Services = defineResource('v1', 'Service', 'services')
export const Namespaces = defineResource('v1', 'Namespace', 'namespaces', false)
export const StatefulSets = defineResource('apps/v1', 'StatefulSet', 'statefulsets')
export const PodDisruptionBudgets = defineResource(
  'policy/v1',
  'PodDisruptionBudget',
  'poddisruptionbudgets',
)
export const Leases = defineResource('coordination.k8s.io/v1', 'Lease', 'leases')
export const CustomResourceDefinitions = defineResource(
  'apiextensions.k8s.io/v1',
  'CustomResourceDefinition',
  'customresourcedefinitions',
  false,
)

/** The collection URL; without a namespace a namespaced type is listed across all of them. */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const root = type.apiVersion.includes('/')
    ? `/apis/${type.apiVersion}`
    : `/api/${type.apiVersion}`
  if (type.namespaced && namespace) {
    return `${root}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`
  }
  return `${root}/${type.plural}`
}

export function objectPath(type: ResourceType, name: string, namespace?: string): string {
  if (type.namespaced && !namespace) {
    throw new Error(`${type.kind} ${name} is namespaced but no namespace was given`)
  }
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`
}

/**
 * Marks `owner` as the controller of a dependent, so the garbage collector deletes the
 * dependent with it. Owner and dependent must share a namespace (or the owner be
 * cluster-scoped).
 */
export function controllerReference(type: ResourceType, owner: KubeObject): OwnerReference {
  if (!owner.metadata.uid) throw new Error(`${type.kind} ${owner.metadata.name} has no uid yet`)
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  }
}

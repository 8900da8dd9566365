import { KubeClient } from '@fjord/kube/client'
import { isKubeError, KubeError, type KubeErrorCode } from '@fjord/kube/errors'
import type { Config } from '../config.ts'
import { ApiError } from '../errors.ts'
import type { AppContext } from '../http/context.ts'
import { NotCreatedByFjord } from './ownership.ts'

/** The Kubernetes the api provisions into, if it was given one. */
export function openKube(config: Config): KubeClient | undefined {
  if (config.kubeconfig) return KubeClient.fromFile(config.kubeconfig)
  if (config.kubeInCluster) return KubeClient.fromDefault()
  return undefined
}

/** The request's Kubernetes client, or 503 for a route that cannot work without one. */
export function kubeOf(c: AppContext): KubeClient {
  const kube = c.get('kube')
  if (!kube) {
    throw new ApiError(
      'unavailable',
      'This api has no Kubernetes to provision into (set FJORD_KUBECONFIG or FJORD_KUBE_IN_CLUSTER)',
    )
  }
  return kube
}

const refused = new Set<KubeErrorCode>(['forbidden', 'unauthorized', 'invalid', 'bad_request'])

/**
 * A failed Kubernetes write of a request, as the client can act on it: 409 when something is
 * in the way (an object Fjord did not make, a concurrent change), 502 when Kubernetes refuses
 * it (RBAC, schema: trying again will not help), 503 when it did not answer (try again).
 */
export function kubeRefusal(error: unknown, outcome: string): ApiError {
  const why = error instanceof Error ? error.message : String(error)
  if (error instanceof NotCreatedByFjord) return new ApiError('conflict', `${outcome}: ${why}`)
  if (isKubeError(error, 'conflict') || isKubeError(error, 'already_exists')) {
    return new ApiError(
      'conflict',
      `${outcome}: the object changed while it was written (another request at the same time?); try again (${why})`,
    )
  }
  if (error instanceof KubeError && refused.has(error.code)) {
    return new ApiError(
      'kubernetes_refused',
      `${outcome}: Kubernetes refused it, and trying again will not help until the platform's admin fixes that (${why})`,
    )
  }
  return new ApiError('unavailable', `${outcome}: Kubernetes did not answer; try again (${why})`)
}

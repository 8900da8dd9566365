import { KubeClient } from '../../../operator/src/kube/client.ts'
import type { Config } from '../config.ts'
import { ApiError } from '../errors.ts'
import type { AppContext } from '../http/context.ts'

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

import type { KafkaCluster, KafkaClusterStatus } from '@fjord/contract/types'
import type { KubeObject } from '@fjord/kube/client'
import type { Outcome } from '../reconcilers/context.ts'

export type Cluster = KafkaCluster & KubeObject

/** What one reconcile of a dedicated cluster found and did. */
export interface ProvisionResult {
  /** The Ready condition and phase to report. */
  outcome: Outcome
  /** The provider's own status fields (bootstrapServers, mskClusterArn, …). */
  status?: Partial<Omit<KafkaClusterStatus, 'phase' | 'conditions' | 'observedGeneration'>>
  /** Look again after this long (a cluster still starting, a state to poll). */
  requeueAfterMs?: number
}

/**
 * Provisions dedicated clusters of one provider (`spec.provider`). The cluster reconciler
 * calls `reconcile` while the KafkaCluster exists and `remove` once it is being deleted;
 * both must be idempotent and safe after a crash at any line.
 */
export interface ClusterProvider {
  reconcile(cluster: Cluster, signal?: AbortSignal): Promise<ProvisionResult>
  /** Deletes what the provider made; `done: false` keeps the finalizer and looks again later. */
  remove(
    cluster: Cluster,
    signal?: AbortSignal,
  ): Promise<{ done: boolean; requeueAfterMs?: number }>
}

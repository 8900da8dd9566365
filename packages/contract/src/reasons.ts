/**
 * The condition every Fjord resource reports. The operator writes it on the custom resources;
 * the api's status watcher copies it to the rows its REST answers show, and the api's
 * provisioner writes one there too while it cannot write the custom resource.
 */
export const readyCondition = 'Ready'

/**
 * The reasons of that condition: stable names a client may branch on. docs/operator.md says
 * what each means (a test holds its table to this list), docs/api.md the api's own.
 */
export const reasons = {
  // Written by the operator, on every kind.
  Reconciled: 'Reconciled',

  // KafkaPool.
  KafkaUnreachable: 'KafkaUnreachable',
  AdminOnTenantMechanism: 'AdminOnTenantMechanism',

  // KafkaCluster.
  PoolNotFound: 'PoolNotFound',
  PoolNotReady: 'PoolNotReady',
  PrefixTaken: 'PrefixTaken',
  DeletingDependents: 'DeletingDependents',
  // A dedicated cluster on Kubernetes; the decrease refusals also on AWS MSK.
  NodesNotReady: 'NodesNotReady',
  BrokerDecreaseRefused: 'BrokerDecreaseRefused',
  StorageDecreaseRefused: 'StorageDecreaseRefused',
  QuorumChangeRefused: 'QuorumChangeRefused',
  ClusterNameTooLong: 'ClusterNameTooLong',
  RenderRejected: 'RenderRejected',
  StorageExpansionFailed: 'StorageExpansionFailed',
  // A dedicated cluster on AWS MSK.
  MskCreating: 'MskCreating',
  MskActive: 'MskActive',
  MskUpdating: 'MskUpdating',
  MskDeleting: 'MskDeleting',
  MskFailed: 'MskFailed',
  MskRejected: 'MskRejected',
  MskChangeNotSupported: 'MskChangeNotSupported',
  MskNameTaken: 'MskNameTaken',
  MskNoScramBootstrap: 'MskNoScramBootstrap',
  MskRegionMissing: 'MskRegionMissing',
  MskSettingsMissing: 'MskSettingsMissing',

  // KafkaTopic and KafkaUser.
  DedicatedClusterNotSupported: 'DedicatedClusterNotSupported',
  ClusterNotReady: 'ClusterNotReady',
  KafkaUnavailable: 'KafkaUnavailable',
  ReconcileError: 'ReconcileError',
  Deleting: 'Deleting',
  // KafkaTopic.
  PartitionDecreaseRefused: 'PartitionDecreaseRefused',
  ReplicationFactorChangeRefused: 'ReplicationFactorChangeRefused',
  TopicRenameRefused: 'TopicRenameRefused',
  TopicExistsOutsideFjord: 'TopicExistsOutsideFjord',
  KafkaRejected: 'KafkaRejected',
  // KafkaUser.
  ClusterAclRefused: 'ClusterAclRefused',
  NoPassword: 'NoPassword',

  // Written by the operator (an object a dedicated cluster needs) and by the api (an object
  // in the way of one it makes): someone else made it, and it is left as it is.
  NotCreatedByFjord: 'NotCreatedByFjord',
  // Written by the api on its rows: the change has not reached Kubernetes yet (it was away or
  // refused, or no pool has room); the provisioner retries.
  ProvisioningRetrying: 'ProvisioningRetrying',
} as const

export type Reason = (typeof reasons)[keyof typeof reasons]

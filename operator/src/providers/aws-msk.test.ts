import {
  BadRequestException,
  ConflictException,
  CreateClusterV2Command,
  type CreateClusterV2CommandOutput,
  DeleteClusterCommand,
  type DeleteClusterCommandOutput,
  DescribeClusterV2Command,
  type DescribeClusterV2CommandOutput,
  GetBootstrapBrokersCommand,
  type GetBootstrapBrokersCommandOutput,
  KafkaClient,
  ListClustersV2Command,
  type ListClustersV2CommandOutput,
  type Cluster as MskCluster,
  NotFoundException,
  ServiceUnavailableException,
  TooManyRequestsException,
  UpdateBrokerCountCommand,
  type UpdateBrokerCountCommandOutput,
  UpdateBrokerStorageCommand,
  type UpdateBrokerStorageCommandOutput,
} from '@aws-sdk/client-kafka'
import type { KafkaClusterSpec, KafkaClusterStatus } from '@fjord/contract/types'
import { mockClient } from 'aws-sdk-client-mock'
import { describe, expect, test } from 'vitest'
import { awsMskProvider, mskClusterName } from './aws-msk.ts'
import type { Cluster } from './provider.ts'

type MskSpec = NonNullable<KafkaClusterSpec['msk']>

let seq = 0
/** Each test gets its own namespace, name, uid and ARN. */
function names() {
  seq += 1
  const namespace = `acme-${seq}`
  const name = 'orders'
  const mskName = `${namespace}-${name}`
  return {
    namespace,
    name,
    uid: `0b7c6c1e-55d2-4d2f-9a61-${String(seq).padStart(12, '0')}`,
    mskName,
    arn: `arn:aws:kafka:eu-west-1:123456789012:cluster/${mskName}/4e3f1a2b-7c8d-4e9f-a0b1-c2d3e4f5a6b7-${seq}`,
  }
}

function aKafkaCluster(
  n: ReturnType<typeof names>,
  over: { msk?: Partial<MskSpec>; status?: KafkaClusterStatus; region?: string | null } = {},
): Cluster {
  return {
    apiVersion: 'fjord.dev/v1alpha1',
    kind: 'KafkaCluster',
    metadata: { name: n.name, namespace: n.namespace, uid: n.uid, generation: 1 },
    spec: {
      type: 'dedicated',
      provider: 'aws-msk',
      ...(over.region === null ? {} : { region: over.region ?? 'eu-west-1' }),
      msk: {
        kafkaVersion: '3.8.x',
        instanceType: 'kafka.m7g.large',
        brokerNodes: 3,
        ebsVolumeGiB: 100,
        subnetIds: ['subnet-0a1b2c3d', 'subnet-1b2c3d4e', 'subnet-2c3d4e5f'],
        securityGroupIds: ['sg-0123456789abcdef0'],
        ...over.msk,
      },
    },
    ...(over.status ? { status: over.status } : {}),
  }
}

/** A provisioned cluster as DescribeClusterV2 and ListClustersV2 return it. */
function anMskCluster(
  n: ReturnType<typeof names>,
  over: Partial<MskCluster> & { brokers?: number; volumeGiB?: number; kafkaVersion?: string } = {},
): MskCluster {
  const { brokers = 3, volumeGiB = 100, kafkaVersion = '3.8.x', ...rest } = over
  return {
    ClusterArn: n.arn,
    ClusterName: n.mskName,
    ClusterType: 'PROVISIONED',
    CreationTime: new Date('2026-11-27T10:00:00Z'),
    CurrentVersion: 'K3AEGXETSR30VB',
    State: 'ACTIVE',
    Tags: { 'fjord.dev/kafkacluster': `${n.namespace}/${n.name}`, 'fjord.dev/uid': n.uid },
    Provisioned: {
      BrokerNodeGroupInfo: {
        BrokerAZDistribution: 'DEFAULT',
        ClientSubnets: ['subnet-0a1b2c3d', 'subnet-1b2c3d4e', 'subnet-2c3d4e5f'],
        InstanceType: 'kafka.m7g.large',
        SecurityGroups: ['sg-0123456789abcdef0'],
        StorageInfo: { EbsStorageInfo: { VolumeSize: volumeGiB } },
      },
      ClientAuthentication: { Sasl: { Scram: { Enabled: true }, Iam: { Enabled: false } } },
      CurrentBrokerSoftwareInfo: { KafkaVersion: kafkaVersion },
      EncryptionInfo: {
        EncryptionAtRest: {
          DataVolumeKMSKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef',
        },
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
      },
      EnhancedMonitoring: 'DEFAULT',
      NumberOfBrokerNodes: brokers,
      StorageMode: 'LOCAL',
    },
    ...rest,
  }
}

const $metadata = { httpStatusCode: 200, requestId: 'b3a6f9a8-5c1e-4e0c-9d47-2f1e0b6a7c55' }
const described = (cluster: MskCluster): DescribeClusterV2CommandOutput => ({
  $metadata,
  ClusterInfo: cluster,
})
const listed = (clusters: MskCluster[], NextToken?: string): ListClustersV2CommandOutput => ({
  $metadata,
  ClusterInfoList: clusters,
  ...(NextToken ? { NextToken } : {}),
})
const scram = (n: ReturnType<typeof names>) =>
  `b-1.${n.mskName}.abc123.c2.kafka.eu-west-1.amazonaws.com:9096,b-2.${n.mskName}.abc123.c2.kafka.eu-west-1.amazonaws.com:9096`
const bootstrap = (n: ReturnType<typeof names>): GetBootstrapBrokersCommandOutput => ({
  $metadata,
  BootstrapBrokerStringTls: `b-1.${n.mskName}.abc123.c2.kafka.eu-west-1.amazonaws.com:9094`,
  BootstrapBrokerStringSaslScram: scram(n),
})
const notFound = () =>
  new NotFoundException({
    $metadata: { httpStatusCode: 404 },
    message: 'The requested resource could not be found.',
    Message: 'The requested resource could not be found.',
  })

/** A provider whose MSK client is a mocked SDK client of its own. */
function setup(
  options: { pollInitialMs?: number; pollMaxMs?: number; defaultRegion?: string } = {},
) {
  const client = new KafkaClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  const msk = mockClient(client)
  const regions: string[] = []
  const provider = awsMskProvider({
    ...options,
    client: (region) => {
      regions.push(region)
      return client
    },
  })
  return { msk, provider, regions }
}

const updateCalls = (msk: ReturnType<typeof setup>['msk']) => [
  ...msk.commandCalls(UpdateBrokerCountCommand),
  ...msk.commandCalls(UpdateBrokerStorageCommand),
]

describe('mskClusterName', () => {
  test('is <namespace>-<name> with characters MSK refuses replaced', () => {
    expect(mskClusterName('acme', 'orders.v2')).toBe('acme-orders-v2')
  })

  test('stays within 64 characters and tells long names apart', () => {
    const a = mskClusterName('a'.repeat(40), `${'b'.repeat(40)}-one`)
    const b = mskClusterName('a'.repeat(40), `${'b'.repeat(40)}-two`)
    expect(a).toHaveLength(64)
    expect(a).toMatch(/^[0-9A-Za-z][0-9A-Za-z-]*$/)
    expect(a).not.toBe(b)
    expect(mskClusterName('a'.repeat(40), `${'b'.repeat(40)}-one`)).toBe(a)
  })
})

describe('awsMskProvider.reconcile', () => {
  test('creates the cluster once, with SASL/SCRAM, brokers, instance type, subnets, storage and version', async () => {
    const n = names()
    const { msk, provider, regions } = setup()
    msk.on(ListClustersV2Command).resolves(listed([]))
    msk.on(CreateClusterV2Command).resolves({
      $metadata,
      ClusterArn: n.arn,
      ClusterName: n.mskName,
      ClusterType: 'PROVISIONED',
      State: 'CREATING',
    } satisfies CreateClusterV2CommandOutput)

    const first = await provider.reconcile(
      aKafkaCluster(n, { msk: { brokerNodes: 6, ebsVolumeGiB: 500 }, region: 'eu-west-1' }),
    )

    expect(regions).toEqual(['eu-west-1'])
    expect(msk.commandCalls(ListClustersV2Command)[0]?.args[0].input).toEqual({
      ClusterNameFilter: n.mskName,
    })
    const creates = msk.commandCalls(CreateClusterV2Command)
    expect(creates).toHaveLength(1)
    expect(creates[0]?.args[0].input).toEqual({
      ClusterName: n.mskName,
      Tags: { 'fjord.dev/kafkacluster': `${n.namespace}/${n.name}`, 'fjord.dev/uid': n.uid },
      Provisioned: {
        KafkaVersion: '3.8.x',
        NumberOfBrokerNodes: 6,
        BrokerNodeGroupInfo: {
          InstanceType: 'kafka.m7g.large',
          ClientSubnets: ['subnet-0a1b2c3d', 'subnet-1b2c3d4e', 'subnet-2c3d4e5f'],
          SecurityGroups: ['sg-0123456789abcdef0'],
          StorageInfo: { EbsStorageInfo: { VolumeSize: 500 } },
        },
        ClientAuthentication: {
          Sasl: { Scram: { Enabled: true } },
          Unauthenticated: { Enabled: false },
        },
        EncryptionInfo: { EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } },
      },
    })
    expect(first.outcome).toMatchObject({ phase: 'Provisioning', reason: 'MskCreating' })
    expect(first.status).toEqual({ mskClusterArn: n.arn })

    // The next reconcile knows the ARN and only describes.
    msk
      .on(DescribeClusterV2Command, { ClusterArn: n.arn })
      .resolves(described(anMskCluster(n, { State: 'CREATING', brokers: 6, volumeGiB: 500 })))
    const second = await provider.reconcile(
      aKafkaCluster(n, {
        msk: { brokerNodes: 6, ebsVolumeGiB: 500 },
        status: { mskClusterArn: n.arn },
      }),
    )
    expect(second.outcome).toMatchObject({ phase: 'Provisioning', reason: 'MskCreating' })
    expect(msk.commandCalls(CreateClusterV2Command)).toHaveLength(1)
  })

  test('does not create again when ListClustersV2 finds the cluster made before a crash', async () => {
    const n = names()
    const { msk, provider } = setup()
    const sibling = anMskCluster(n, {
      ClusterName: `${n.mskName}-eu`,
      ClusterArn: `${n.arn}-sibling`,
      Tags: { 'fjord.dev/kafkacluster': `${n.namespace}/${n.name}-eu` },
    })
    msk
      .on(ListClustersV2Command, { ClusterNameFilter: n.mskName })
      .resolves(listed([sibling], 'page-2'))
      .on(ListClustersV2Command, { ClusterNameFilter: n.mskName, NextToken: 'page-2' })
      .resolves(listed([anMskCluster(n, { State: 'CREATING' })]))

    const result = await provider.reconcile(aKafkaCluster(n))

    expect(msk.commandCalls(CreateClusterV2Command)).toHaveLength(0)
    expect(msk.commandCalls(ListClustersV2Command)).toHaveLength(2)
    expect(result.status?.mskClusterArn).toBe(n.arn)
    expect(result.outcome).toMatchObject({ phase: 'Provisioning', reason: 'MskCreating' })
  })

  test('looks the name up again when the ARN in status is gone', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).rejects(notFound())
    msk.on(ListClustersV2Command).resolves(listed([anMskCluster(n, { State: 'CREATING' })]))

    const result = await provider.reconcile(
      aKafkaCluster(n, { status: { mskClusterArn: `${n.arn}-old` } }),
    )

    expect(msk.commandCalls(CreateClusterV2Command)).toHaveLength(0)
    expect(result.status?.mskClusterArn).toBe(n.arn)
  })

  test('refuses to adopt a cluster of the same name made for something else', async () => {
    const n = names()
    const { msk, provider } = setup()
    const stranger = anMskCluster(n, { Tags: { team: 'payments' } })
    msk.on(ListClustersV2Command).resolves(listed([stranger]))

    const result = await provider.reconcile(aKafkaCluster(n))

    expect(result.outcome).toMatchObject({ phase: 'Failed', reason: 'MskNameTaken' })
    expect(result.outcome.message).toContain(n.arn)
    expect(result.status).toBeUndefined()
    expect(msk.commandCalls(CreateClusterV2Command)).toHaveLength(0)
    expect(msk.commandCalls(GetBootstrapBrokersCommand)).toHaveLength(0)
  })

  test('waits while the cluster of an earlier KafkaCluster of the same name is DELETING', async () => {
    const n = names()
    const { msk, provider } = setup()
    const earlier = anMskCluster(n, {
      State: 'DELETING',
      Tags: {
        'fjord.dev/kafkacluster': `${n.namespace}/${n.name}`,
        'fjord.dev/uid': 'an-earlier-uid',
      },
    })
    msk.on(ListClustersV2Command).resolves(listed([earlier]))

    const result = await provider.reconcile(aKafkaCluster(n))

    expect(result.outcome).toMatchObject({ phase: 'Provisioning', reason: 'MskNameTaken' })
    expect(result.requeueAfterMs).toBe(15_000)
    expect(result.status).toBeUndefined()
    expect(msk.commandCalls(CreateClusterV2Command)).toHaveLength(0)
  })

  test('looks again when the create races a listing that has not caught up', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(ListClustersV2Command).resolves(listed([]))
    msk.on(CreateClusterV2Command).rejects(
      new ConflictException({
        $metadata: { httpStatusCode: 409 },
        message: `A cluster with the name ${n.mskName} already exists.`,
      }),
    )

    const result = await provider.reconcile(aKafkaCluster(n))

    expect(result.outcome).toMatchObject({ phase: 'Provisioning', reason: 'MskCreating' })
    expect(result.requeueAfterMs).toBe(15_000)
  })

  test.each([
    ['CREATING', 'Provisioning', 'MskCreating', false],
    ['ACTIVE', 'Ready', 'MskActive', true],
    ['UPDATING', 'Updating', 'MskUpdating', true],
    ['HEALING', 'Updating', 'MskUpdating', true],
    ['MAINTENANCE', 'Updating', 'MskUpdating', true],
    ['REBOOTING_BROKER', 'Updating', 'MskUpdating', true],
    ['DELETING', 'Deleting', 'MskDeleting', false],
    ['FAILED', 'Failed', 'MskFailed', false],
  ] as const)('maps MSK state %s to phase %s', async (state, phase, reason, isReady) => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n, { State: state })))
    msk.on(GetBootstrapBrokersCommand).resolves(bootstrap(n))

    const result = await provider.reconcile(aKafkaCluster(n, { status: { mskClusterArn: n.arn } }))

    expect(result.outcome).toMatchObject({ phase, reason, ready: isReady })
    expect(result.status?.mskClusterArn).toBe(n.arn)
  })

  test('Ready carries the SASL/SCRAM bootstrap string', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n)))
    msk.on(GetBootstrapBrokersCommand, { ClusterArn: n.arn }).resolves(bootstrap(n))

    const result = await provider.reconcile(aKafkaCluster(n, { status: { mskClusterArn: n.arn } }))

    expect(result.outcome).toMatchObject({ phase: 'Ready', ready: true, reason: 'MskActive' })
    expect(result.status).toEqual({ mskClusterArn: n.arn, bootstrapServers: scram(n) })
    expect(result.requeueAfterMs).toBeUndefined()
  })

  test('FAILED carries the code and message of StateInfo', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(
      described(
        anMskCluster(n, {
          State: 'FAILED',
          StateInfo: {
            Code: 'InsufficientCapacity',
            Message: 'kafka.m7g.large is not available in eu-west-1c',
          },
        }),
      ),
    )

    const result = await provider.reconcile(aKafkaCluster(n, { status: { mskClusterArn: n.arn } }))

    expect(result.outcome).toEqual({
      phase: 'Failed',
      ready: false,
      reason: 'MskFailed',
      message: `MSK cluster ${n.mskName} is FAILED: InsufficientCapacity: kafka.m7g.large is not available in eu-west-1c`,
    })
    expect(result.requeueAfterMs).toBeUndefined()
  })

  test('grows the broker count with UpdateBrokerCount and the cluster CurrentVersion', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n, { brokers: 3 })))
    msk.on(GetBootstrapBrokersCommand).resolves(bootstrap(n))
    msk.on(UpdateBrokerCountCommand).resolves({
      $metadata,
      ClusterArn: n.arn,
      ClusterOperationArn: `${n.arn.replace(':cluster/', ':cluster-operation/')}/op-1`,
    } satisfies UpdateBrokerCountCommandOutput)

    const result = await provider.reconcile(
      aKafkaCluster(n, { msk: { brokerNodes: 6 }, status: { mskClusterArn: n.arn } }),
    )

    const calls = msk.commandCalls(UpdateBrokerCountCommand)
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { ClusterArn: n.arn, CurrentVersion: 'K3AEGXETSR30VB', TargetNumberOfBrokerNodes: 6 },
    ])
    expect(msk.commandCalls(UpdateBrokerStorageCommand)).toHaveLength(0)
    expect(result.outcome).toMatchObject({ phase: 'Updating', reason: 'MskUpdating', ready: true })
    expect(result.requeueAfterMs).toBe(15_000)
  })

  test('grows the broker storage with UpdateBrokerStorage for all brokers', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n, { volumeGiB: 100 })))
    msk.on(GetBootstrapBrokersCommand).resolves(bootstrap(n))
    msk.on(UpdateBrokerStorageCommand).resolves({
      $metadata,
      ClusterArn: n.arn,
    } satisfies UpdateBrokerStorageCommandOutput)

    const result = await provider.reconcile(
      aKafkaCluster(n, { msk: { ebsVolumeGiB: 250 }, status: { mskClusterArn: n.arn } }),
    )

    expect(msk.commandCalls(UpdateBrokerStorageCommand).map((c) => c.args[0].input)).toEqual([
      {
        ClusterArn: n.arn,
        CurrentVersion: 'K3AEGXETSR30VB',
        TargetBrokerEBSVolumeInfo: [{ KafkaBrokerNodeId: 'All', VolumeSizeGB: 250 }],
      },
    ])
    expect(result.outcome).toMatchObject({ phase: 'Updating', reason: 'MskUpdating' })
  })

  test('refuses a broker decrease without any update call', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n, { brokers: 6 })))
    msk.on(GetBootstrapBrokersCommand).resolves(bootstrap(n))

    const result = await provider.reconcile(
      aKafkaCluster(n, { msk: { brokerNodes: 3 }, status: { mskClusterArn: n.arn } }),
    )

    expect(result.outcome).toMatchObject({ phase: 'Failed', reason: 'BrokerDecreaseRefused' })
    expect(result.outcome.message).toContain('from 6 to 3')
    expect(updateCalls(msk)).toHaveLength(0)
  })

  test('refuses a storage decrease without any update call', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n, { volumeGiB: 500 })))
    msk.on(GetBootstrapBrokersCommand).resolves(bootstrap(n))

    const result = await provider.reconcile(
      aKafkaCluster(n, { msk: { ebsVolumeGiB: 100 }, status: { mskClusterArn: n.arn } }),
    )

    expect(result.outcome).toMatchObject({ phase: 'Failed', reason: 'StorageDecreaseRefused' })
    expect(result.outcome.message).toContain('from 500 to 100')
    expect(updateCalls(msk)).toHaveLength(0)
  })

  test.each<[string, Partial<MskSpec>]>([
    ['kafkaVersion', { kafkaVersion: '3.9.x' }],
    ['instanceType', { instanceType: 'kafka.m7g.xlarge' }],
    ['subnetIds', { subnetIds: ['subnet-0a1b2c3d', 'subnet-9z9z9z9z', 'subnet-2c3d4e5f'] }],
  ])('refuses a change of %s as not supported yet', async (field, change) => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n)))
    msk.on(GetBootstrapBrokersCommand).resolves(bootstrap(n))

    const result = await provider.reconcile(
      aKafkaCluster(n, { msk: { ...change, brokerNodes: 6 }, status: { mskClusterArn: n.arn } }),
    )

    expect(result.outcome).toMatchObject({ phase: 'Failed', reason: 'MskChangeNotSupported' })
    expect(result.outcome.message).toContain(field)
    expect(updateCalls(msk)).toHaveLength(0)
  })

  test('a BadRequest from MSK is Failed with its message, not retried', async () => {
    const n = names()
    const { msk, provider } = setup()
    const message = 'The subnet subnet-0a1b2c3d does not exist.'
    msk.on(ListClustersV2Command).resolves(listed([]))
    msk.on(CreateClusterV2Command).rejects(
      new BadRequestException({
        $metadata: { httpStatusCode: 400 },
        message,
        Message: message,
        InvalidParameter: 'brokerNodeGroupInfo.clientSubnets',
      }),
    )

    const result = await provider.reconcile(aKafkaCluster(n))

    expect(result.outcome).toEqual({
      phase: 'Failed',
      ready: false,
      reason: 'MskRejected',
      message,
    })
    expect(result.requeueAfterMs).toBeUndefined()
  })

  test.each([
    [
      'throttling',
      new TooManyRequestsException({
        $metadata: { httpStatusCode: 429 },
        message: 'Too many requests',
      }),
    ],
    [
      'a 5xx',
      new ServiceUnavailableException({
        $metadata: { httpStatusCode: 503 },
        message: 'Service unavailable',
      }),
    ],
  ])('rethrows %s so the controller backs off', async (_, error) => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).rejects(error)

    await expect(
      provider.reconcile(aKafkaCluster(n, { status: { mskClusterArn: n.arn } })),
    ).rejects.toBe(error)
  })

  test('polls with a delay that doubles while CREATING, is capped, and resets once settled', async () => {
    const n = names()
    const { msk, provider } = setup()
    const cluster = aKafkaCluster(n, { status: { mskClusterArn: n.arn } })
    msk.on(GetBootstrapBrokersCommand).resolves(bootstrap(n))
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n, { State: 'CREATING' })))
    const delays: (number | undefined)[] = []
    for (let i = 0; i < 7; i++) delays.push((await provider.reconcile(cluster)).requeueAfterMs)
    expect(delays).toEqual([15_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000])

    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n, { State: 'ACTIVE' })))
    expect((await provider.reconcile(cluster)).requeueAfterMs).toBeUndefined()

    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n, { State: 'UPDATING' })))
    expect((await provider.reconcile(cluster)).requeueAfterMs).toBe(15_000)
  })

  test('uses the region of the spec, else the operator default, and fails without either', async () => {
    const n = names()
    const withDefault = setup({ defaultRegion: 'us-east-1' })
    withDefault.msk
      .on(ListClustersV2Command)
      .resolves(listed([anMskCluster(n, { State: 'CREATING' })]))
    await withDefault.provider.reconcile(aKafkaCluster(n, { region: null }))
    await withDefault.provider.reconcile(aKafkaCluster(n, { region: 'eu-central-1' }))
    expect(withDefault.regions).toEqual(['us-east-1', 'eu-central-1'])

    const without = setup()
    const result = await without.provider.reconcile(aKafkaCluster(n, { region: null }))
    expect(result.outcome).toMatchObject({ phase: 'Failed', reason: 'MskRegionMissing' })
    expect(without.msk.calls()).toHaveLength(0)
  })
})

describe('awsMskProvider.remove', () => {
  test('deletes an ACTIVE cluster and is not done until MSK no longer knows it', async () => {
    const n = names()
    const { msk, provider } = setup()
    const cluster = aKafkaCluster(n, { status: { mskClusterArn: n.arn } })
    msk
      .on(DescribeClusterV2Command)
      .resolvesOnce(described(anMskCluster(n)))
      .rejects(notFound())
    msk.on(ListClustersV2Command).resolves(listed([]))
    msk.on(DeleteClusterCommand).resolves({
      $metadata,
      ClusterArn: n.arn,
      State: 'DELETING',
    } satisfies DeleteClusterCommandOutput)

    expect(await provider.remove(cluster)).toEqual({ done: false, requeueAfterMs: 15_000 })
    expect(msk.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input)).toEqual([
      { ClusterArn: n.arn },
    ])

    expect(await provider.remove(cluster)).toEqual({ done: true })
    expect(msk.commandCalls(DeleteClusterCommand)).toHaveLength(1)
  })

  test('keeps waiting without deleting again while MSK says DELETING', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n, { State: 'DELETING' })))

    const result = await provider.remove(aKafkaCluster(n, { status: { mskClusterArn: n.arn } }))

    expect(result).toEqual({ done: false, requeueAfterMs: 15_000 })
    expect(msk.commandCalls(DeleteClusterCommand)).toHaveLength(0)
  })

  test('is done when DeleteCluster says NotFound', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n)))
    msk.on(DeleteClusterCommand).rejects(notFound())

    const result = await provider.remove(aKafkaCluster(n, { status: { mskClusterArn: n.arn } }))

    expect(result).toEqual({ done: true })
    expect(msk.commandCalls(DeleteClusterCommand)).toHaveLength(1)
  })

  test('finds a cluster made before a crash by name and deletes it', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(ListClustersV2Command).resolves(listed([anMskCluster(n, { State: 'CREATING' })]))
    msk.on(DeleteClusterCommand).resolves({ $metadata, ClusterArn: n.arn, State: 'DELETING' })

    const result = await provider.remove(aKafkaCluster(n))

    expect(result.done).toBe(false)
    expect(msk.commandCalls(DeleteClusterCommand)[0]?.args[0].input).toEqual({ ClusterArn: n.arn })
  })

  test('never deletes a cluster of the same name made for something else', async () => {
    const n = names()
    const { msk, provider } = setup()
    msk.on(ListClustersV2Command).resolves(listed([anMskCluster(n, { Tags: {} })]))

    expect(await provider.remove(aKafkaCluster(n))).toEqual({ done: true })
    expect(msk.commandCalls(DeleteClusterCommand)).toHaveLength(0)
  })

  test('rethrows throttling of DeleteCluster', async () => {
    const n = names()
    const { msk, provider } = setup()
    const error = new TooManyRequestsException({
      $metadata: { httpStatusCode: 429 },
      message: 'Too many requests',
    })
    msk.on(DescribeClusterV2Command).resolves(described(anMskCluster(n)))
    msk.on(DeleteClusterCommand).rejects(error)

    await expect(
      provider.remove(aKafkaCluster(n, { status: { mskClusterArn: n.arn } })),
    ).rejects.toBe(error)
  })
})

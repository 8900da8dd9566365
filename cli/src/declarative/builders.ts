import type { Cluster, ServiceAccount, Topic, TopicPlan } from './diff.ts'

// Builders of the API's resources as it answers them, for the unit tests of this folder.

const metadata = (name: string) => ({
  id: `id-${name}`,
  generation: 1,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  status: { phase: 'Ready' as const, conditions: [], observedGeneration: 1 },
})

export const aCluster = (overrides: Partial<Cluster> = {}): Cluster => ({
  ...metadata(overrides.name ?? 'main'),
  name: 'main',
  type: 'shared',
  provider: 'shared',
  region: 'local',
  description: '',
  kafkaPrefix: 'acme-main.',
  bootstrapServers: null,
  ...overrides,
})

export const aTopic = (overrides: Partial<Topic> = {}): Topic => ({
  ...metadata(overrides.name ?? 'orders'),
  name: 'orders',
  cluster: 'main',
  kafkaName: `acme-main.${overrides.name ?? 'orders'}`,
  partitions: 3,
  replicationFactor: 1,
  config: {},
  ...overrides,
})

export const aServiceAccount = (overrides: Partial<ServiceAccount> = {}): ServiceAccount => ({
  ...metadata(overrides.name ?? 'shop'),
  name: 'shop',
  cluster: 'main',
  principal: `User:acme-main.${overrides.name ?? 'shop'}`,
  description: '',
  acls: [],
  ...overrides,
})

export const deleting = { phase: 'Deleting' as const, conditions: [], observedGeneration: 1 }

/** The API's dry run answer, from its entries. */
export function aTopicPlan(plan: TopicPlan['plan'] = [], prune = false): TopicPlan {
  const summary = { create: 0, update: 0, delete: 0, unchanged: 0 }
  for (const entry of plan) summary[entry.action] += 1
  return { dryRun: true, prune, summary, plan }
}

import { type Caller, expectStatus, type TestApi } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import {
  aCluster,
  aMember,
  anApiKey,
  aPassword,
  aTenant,
  aTopic,
  type Tenant,
  withCluster,
  withTopic,
} from '@fjord/testing/tenants'
import {
  aTopicNotInKafka,
  withClusterOnStackKafka,
  withGroupOnStackKafka,
  withTopicOnStackKafka,
} from './stack-kafka.ts'

// One scenario per route of the OpenAPI document; route-matrix.test.ts runs each through
// success, validation failure, 401, 403 and another org's 404.

export interface Input {
  /** Who succeeds, when not the tenant's owner. */
  as?: Caller
  params?: Record<string, string>
  query?: string
  body?: unknown
}

export interface Scenario {
  /** Builds what the route acts on inside a fresh tenant; returns its input. */
  valid(api: TestApi, tenant: Tenant): Promise<Input>
  succeeds: number
  /** An input the route must refuse with 422, or why the route takes none. */
  invalid: Input | { none: string }
  /** Who calls it when it is not an org route. */
  caller?: 'anonymous' | 'user'
  /** Answers the route gives besides these five, each checked against the document too. */
  otherAnswers?(api: TestApi, tenant: Tenant): Promise<(Input & { status: number })[]>
}

const noInput = async () => ({})
const withTopicIn = async (api: TestApi, tenant: Tenant) => {
  const cluster = await withCluster(api, tenant)
  return { cluster, topic: await withTopic(api, tenant, cluster) }
}
const withServiceAccount = async (api: TestApi, tenant: Tenant) => {
  const cluster = await withCluster(api, tenant)
  const serviceAccount = uniqueName('sa')
  await expectStatus(
    await api.request(
      'PUT',
      `/v1/orgs/${tenant.org}/clusters/${cluster}/service-accounts/${serviceAccount}`,
      {
        as: tenant.owner,
        body: { acls: [] },
      },
    ),
    201,
  )
  return { cluster, serviceAccount }
}
const withSecondMember = async (api: TestApi, tenant: Tenant) => ({
  email: (await aMember(api, tenant, 'developer')).email,
})
const badName = { cluster: 'Not_A_Name' }

/** The platform admin's token the route matrix's api is started with. */
export const platformToken = 'platform-admin-token-for-tests'
const platformAdmin: Caller = { kind: 'api_key', token: platformToken }

export const scenarios: Record<string, Scenario> = {
  'PUT /admin/v1/pools/{pool}': {
    valid: async () => ({
      as: platformAdmin,
      params: { pool: uniqueName('pool') },
      body: {
        bootstrapServers: ['127.0.0.1:1'],
        admin: { username: 'admin', password: 'secret' },
        maxPartitions: 10,
        region: 'nowhere',
      },
    }),
    succeeds: 200,
    invalid: { body: { bootstrapServers: ['no port'], maxPartitions: 0 } },
    caller: 'anonymous',
  },
  'GET /admin/v1/pools': {
    valid: async () => ({ as: platformAdmin }),
    succeeds: 200,
    invalid: { none: 'takes no input' },
    caller: 'anonymous',
  },
  'GET /healthz': {
    valid: noInput,
    succeeds: 200,
    invalid: { none: 'takes no input' },
    caller: 'anonymous',
  },
  'GET /readyz': {
    valid: noInput,
    succeeds: 200,
    invalid: { none: 'takes no input' },
    caller: 'anonymous',
  },
  'POST /v1/auth/signup': {
    valid: async () => ({
      body: {
        email: `${uniqueName('s')}@example.com`,
        password: aPassword,
        organization: { name: uniqueName('o') },
      },
    }),
    succeeds: 201,
    invalid: { body: { email: 'not-an-email', password: 'short', organization: { name: 'X' } } },
    caller: 'anonymous',
    otherAnswers: async (_api, tenant) => [
      {
        body: { email: tenant.email, password: aPassword, organization: { name: uniqueName('o') } },
        status: 409,
      },
      {
        body: {
          email: `${uniqueName('s')}@example.com`,
          password: aPassword,
          organization: { name: tenant.org },
        },
        status: 409,
      },
    ],
  },
  'POST /v1/auth/login': {
    valid: async (_api, tenant) => ({ body: { email: tenant.email, password: aPassword } }),
    succeeds: 200,
    invalid: { body: { email: 42 } },
    caller: 'anonymous',
    otherAnswers: async (_api, tenant) => [
      { body: { email: tenant.email, password: `not ${aPassword}` }, status: 401 },
    ],
  },
  'POST /v1/auth/logout': {
    valid: noInput,
    succeeds: 204,
    invalid: { none: 'takes no input' },
    caller: 'user',
  },
  'GET /v1/me': {
    valid: noInput,
    succeeds: 200,
    invalid: { none: 'takes no input' },
    caller: 'user',
    otherAnswers: async (api, tenant) => [
      { as: await anApiKey(api, tenant, 'viewer'), status: 200 },
    ],
  },
  'POST /v1/me/password': {
    valid: async () => ({ body: { currentPassword: aPassword, newPassword: `${aPassword}!` } }),
    succeeds: 200,
    invalid: { body: { currentPassword: aPassword, newPassword: 'short' } },
    caller: 'user',
  },
  'GET /v1/topic-presets': {
    valid: noInput,
    succeeds: 200,
    invalid: { none: 'takes no input' },
    caller: 'user',
  },
  'GET /v1/orgs': { valid: noInput, succeeds: 200, invalid: { query: 'limit=0' }, caller: 'user' },
  'POST /v1/orgs': {
    valid: async () => ({ body: { name: uniqueName('o') } }),
    succeeds: 201,
    invalid: { body: { name: '-bad-' } },
    caller: 'user',
    otherAnswers: async (_api, tenant) => [{ body: { name: tenant.org }, status: 409 }],
  },
  'POST /v1/invitations/accept': {
    valid: async (api, tenant) => {
      const invitee = await aTenant(api)
      const response = await api.request('POST', `/v1/orgs/${tenant.org}/invitations`, {
        as: tenant.owner,
        body: { email: invitee.email, role: 'viewer' },
      })
      const { token } = (await expectStatus(response, 201)) as { token: string }
      return { body: { token }, as: invitee.owner }
    },
    succeeds: 200,
    invalid: { body: { token: '' } },
    caller: 'user',
    otherAnswers: async (api, tenant) => {
      const response = await api.request('POST', `/v1/orgs/${tenant.org}/invitations`, {
        as: tenant.owner,
        body: { email: tenant.email, role: 'viewer' },
      })
      const { token } = (await expectStatus(response, 201)) as { token: string }
      return [
        { as: tenant.owner, body: { token: 'no-such-invitation' }, status: 404 },
        { as: tenant.owner, body: { token }, status: 409 },
      ]
    },
  },
  'GET /v1/orgs/{org}': {
    valid: noInput,
    succeeds: 200,
    invalid: { none: 'the org name is its only input, and a malformed one is an unknown org: 404' },
  },
  'GET /v1/orgs/{org}/permissions': {
    valid: noInput,
    succeeds: 200,
    invalid: { none: 'the org name is its only input, and a malformed one is an unknown org: 404' },
  },
  'PATCH /v1/orgs/{org}': {
    valid: async () => ({ body: { displayName: 'Acme Inc.' } }),
    succeeds: 200,
    invalid: { body: { plan: 'platinum' } },
  },
  'DELETE /v1/orgs/{org}': {
    valid: noInput,
    succeeds: 204,
    invalid: { none: 'the org name is its only input, and a malformed one is an unknown org: 404' },
  },
  'GET /v1/orgs/{org}/members': { valid: noInput, succeeds: 200, invalid: { query: 'limit=9999' } },
  'GET /v1/orgs/{org}/members/{email}': {
    valid: async (_api, tenant) => ({ params: { email: tenant.email } }),
    succeeds: 200,
    invalid: { params: { email: 'not-an-email' } },
  },
  'PATCH /v1/orgs/{org}/members/{email}': {
    valid: async (api, tenant) => ({
      params: await withSecondMember(api, tenant),
      body: { role: 'admin' },
    }),
    succeeds: 200,
    invalid: { body: { role: 'emperor' } },
  },
  'DELETE /v1/orgs/{org}/members/{email}': {
    valid: async (api, tenant) => ({ params: await withSecondMember(api, tenant) }),
    succeeds: 204,
    invalid: { params: { email: 'not-an-email' } },
  },
  'GET /v1/orgs/{org}/invitations': {
    valid: noInput,
    succeeds: 200,
    invalid: { query: 'cursor=garbage' },
  },
  'POST /v1/orgs/{org}/invitations': {
    valid: async () => ({ body: { email: `${uniqueName('i')}@example.com`, role: 'developer' } }),
    succeeds: 201,
    invalid: { body: { email: 'x', role: 'developer' } },
  },
  'DELETE /v1/orgs/{org}/invitations/{invitation}': {
    valid: async (api, tenant) => {
      const response = await api.request('POST', `/v1/orgs/${tenant.org}/invitations`, {
        as: tenant.owner,
        body: { email: `${uniqueName('i')}@example.com`, role: 'viewer' },
      })
      const { id } = (await expectStatus(response, 201)) as { id: string }
      return { params: { invitation: id } }
    },
    succeeds: 204,
    invalid: { params: { invitation: 'not-a-uuid' } },
  },
  'GET /v1/orgs/{org}/api-keys': { valid: noInput, succeeds: 200, invalid: { query: 'limit=abc' } },
  'POST /v1/orgs/{org}/api-keys': {
    valid: async () => ({ body: { name: uniqueName('k'), role: 'developer' } }),
    succeeds: 201,
    invalid: { body: { name: 'k', role: 'developer' } },
  },
  'GET /v1/orgs/{org}/api-keys/{apiKey}': {
    valid: async (api, tenant) => ({ params: { apiKey: await aKeyName(api, tenant) } }),
    succeeds: 200,
    invalid: { params: { apiKey: 'X' } },
  },
  'DELETE /v1/orgs/{org}/api-keys/{apiKey}': {
    valid: async (api, tenant) => ({ params: { apiKey: await aKeyName(api, tenant) } }),
    succeeds: 204,
    invalid: { params: { apiKey: 'X' } },
  },
  'GET /v1/orgs/{org}/clusters': { valid: noInput, succeeds: 200, invalid: { query: 'limit=-1' } },
  'POST /v1/orgs/{org}/clusters': {
    valid: async () => ({ body: aCluster() }),
    succeeds: 201,
    invalid: { body: aCluster({ type: 'shared', provider: 'aws-msk' }) },
  },
  'GET /v1/orgs/{org}/clusters/{cluster}': {
    valid: async (api, tenant) => ({ params: { cluster: await withCluster(api, tenant) } }),
    succeeds: 200,
    invalid: { params: badName },
  },
  'PUT /v1/orgs/{org}/clusters/{cluster}': {
    valid: async () => ({ params: { cluster: uniqueName('c') }, body: { type: 'shared' } }),
    succeeds: 201,
    invalid: { body: { type: 'serverless' } },
  },
  'PATCH /v1/orgs/{org}/clusters/{cluster}': {
    valid: async (api, tenant) => ({
      params: { cluster: await withCluster(api, tenant) },
      body: { description: 'orders' },
    }),
    succeeds: 200,
    invalid: { body: { nodes: 3 } },
  },
  'DELETE /v1/orgs/{org}/clusters/{cluster}': {
    valid: async (api, tenant) => ({ params: { cluster: await withCluster(api, tenant) } }),
    succeeds: 202,
    invalid: { params: badName },
  },
  'GET /v1/orgs/{org}/clusters/{cluster}/topics': {
    valid: async (api, tenant) => ({ params: { cluster: await withCluster(api, tenant) } }),
    succeeds: 200,
    invalid: { params: badName },
  },
  'POST /v1/orgs/{org}/clusters/{cluster}/topics': {
    valid: async (api, tenant) => ({
      params: { cluster: await withCluster(api, tenant) },
      body: aTopic(),
    }),
    succeeds: 201,
    invalid: { body: aTopic({ partitions: 0 }) },
  },
  'PUT /v1/orgs/{org}/clusters/{cluster}/topics': {
    valid: async (api, tenant) => ({
      params: { cluster: await withCluster(api, tenant) },
      body: { topics: [aTopic()] },
    }),
    succeeds: 200,
    invalid: { body: { topics: [aTopic({ config: { 'retention.msec': 1 } })] } },
  },
  'GET /v1/orgs/{org}/clusters/{cluster}/topics/{topic}': {
    valid: async (api, tenant) => ({ params: await withTopicIn(api, tenant) }),
    succeeds: 200,
    invalid: { params: { topic: 'bad name!' } },
  },
  'PUT /v1/orgs/{org}/clusters/{cluster}/topics/{topic}': {
    valid: async (api, tenant) => ({
      params: { cluster: await withCluster(api, tenant), topic: 'orders' },
      body: { partitions: 3, replicationFactor: 1 },
    }),
    succeeds: 201,
    invalid: { body: { partitions: 'three' } },
  },
  'PATCH /v1/orgs/{org}/clusters/{cluster}/topics/{topic}': {
    valid: async (api, tenant) => ({
      params: await withTopicIn(api, tenant),
      body: { partitions: 2 },
    }),
    succeeds: 200,
    invalid: { body: { config: { 'segment.bytes': 10 } } },
  },
  'DELETE /v1/orgs/{org}/clusters/{cluster}/topics/{topic}': {
    valid: async (api, tenant) => ({ params: await withTopicIn(api, tenant) }),
    succeeds: 202,
    invalid: { params: { topic: 'bad name!' } },
  },
  'GET /v1/orgs/{org}/clusters/{cluster}/topics/{topic}/messages': {
    valid: async (api, tenant) => ({
      params: await withTopicOnStackKafka(api, tenant),
      query: 'limit=5',
    }),
    succeeds: 200,
    invalid: { query: 'filter=value.contains(' },
    otherAnswers: async (api, tenant) => [
      { params: { topic: 'no-such-topic' }, status: 404 },
      { params: { topic: await aTopicNotInKafka(api, tenant) }, status: 409 },
      { query: 'start=offset', status: 422 },
      { query: 'partition=9', status: 422 },
    ],
  },
  'POST /v1/orgs/{org}/clusters/{cluster}/topics/{topic}/messages': {
    valid: async (api, tenant) => ({
      params: await withTopicOnStackKafka(api, tenant),
      body: { key: 'k', value: 'v', headers: [{ key: 'h', value: 'x' }] },
    }),
    succeeds: 201,
    invalid: { body: { value: 'not hex', valueEncoding: 'hex' } },
    otherAnswers: async () => [
      { params: { topic: 'no-such-topic' }, status: 404 },
      { body: { value: 'v', partition: 9 }, status: 422 },
    ],
  },
  'GET /v1/orgs/{org}/clusters/{cluster}/service-accounts': {
    valid: async (api, tenant) => ({ params: { cluster: await withCluster(api, tenant) } }),
    succeeds: 200,
    invalid: { params: badName },
  },
  'POST /v1/orgs/{org}/clusters/{cluster}/service-accounts': {
    valid: async (api, tenant) => ({
      params: { cluster: await withCluster(api, tenant) },
      body: {
        name: uniqueName('sa'),
        acls: [{ resourceType: 'topic', name: 'orders', operations: ['read'] }],
      },
    }),
    succeeds: 201,
    invalid: {
      body: {
        name: uniqueName('sa'),
        acls: [{ resourceType: 'group', name: 'g', operations: ['write'] }],
      },
    },
  },
  'GET /v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}': {
    valid: async (api, tenant) => ({ params: await withServiceAccount(api, tenant) }),
    succeeds: 200,
    invalid: { params: { serviceAccount: 'A' } },
  },
  'PUT /v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}': {
    valid: async (api, tenant) => ({
      params: { cluster: await withCluster(api, tenant), serviceAccount: uniqueName('sa') },
      body: { acls: [] },
    }),
    succeeds: 201,
    invalid: { body: { acls: [{ resourceType: 'topic', name: '*', operations: ['all'] }] } },
  },
  'PATCH /v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}': {
    valid: async (api, tenant) => ({
      params: await withServiceAccount(api, tenant),
      body: { description: 'billing' },
    }),
    succeeds: 200,
    invalid: { body: { acls: 'all' } },
  },
  'DELETE /v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}': {
    valid: async (api, tenant) => ({ params: await withServiceAccount(api, tenant) }),
    succeeds: 202,
    invalid: { params: { serviceAccount: 'A' } },
  },
  'GET /v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials': {
    valid: async (api, tenant) => ({ params: await withServiceAccount(api, tenant) }),
    succeeds: 200,
    invalid: { params: { serviceAccount: 'A' } },
  },
  'POST /v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials': {
    valid: async (api, tenant) => ({ params: await withServiceAccount(api, tenant) }),
    succeeds: 201,
    invalid: { params: { serviceAccount: 'A' } },
  },
  'DELETE /v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials/{credential}':
    {
      valid: async (api, tenant) => {
        const params = await withServiceAccount(api, tenant)
        const response = await api.request(
          'POST',
          `/v1/orgs/${tenant.org}/clusters/${params.cluster}/service-accounts/${params.serviceAccount}/credentials`,
          { as: tenant.owner },
        )
        const { id } = (await expectStatus(response, 201)) as { id: string }
        return { params: { ...params, credential: id } }
      },
      succeeds: 204,
      invalid: { params: { credential: 'not-a-uuid' } },
    },
  'GET /v1/orgs/{org}/clusters/{cluster}/groups': {
    valid: async (api, tenant) => ({
      params: { cluster: await withClusterOnStackKafka(api, tenant) },
    }),
    succeeds: 200,
    invalid: { query: 'topic=__consumer_offsets' },
  },
  'GET /v1/orgs/{org}/clusters/{cluster}/groups/{group}': {
    valid: async (api, tenant) => {
      const { cluster, group } = await withGroupOnStackKafka(api, tenant)
      return { params: { cluster, group } }
    },
    succeeds: 200,
    invalid: { params: { group: 'g'.repeat(250) } },
    otherAnswers: async () => [{ params: { group: 'no-such-group' }, status: 404 }],
  },
  'POST /v1/orgs/{org}/clusters/{cluster}/groups/{group}/reset-offsets': {
    valid: async (api, tenant) => {
      const { cluster, group } = await withGroupOnStackKafka(api, tenant)
      return { params: { cluster, group }, body: { to: 'earliest' } }
    },
    succeeds: 200,
    invalid: { body: { to: 'offset' } },
    otherAnswers: async () => [
      { params: { group: 'no-such-group' }, status: 404 },
      { body: { to: 'latest', topics: ['no-such-topic'] }, status: 422 },
    ],
  },
  'GET /v1/orgs/{org}/quotas': {
    valid: noInput,
    succeeds: 200,
    invalid: { none: 'the org name is its only input, and a malformed one is an unknown org: 404' },
  },
  'POST /v1/orgs/{org}/quotas/check': {
    valid: async () => ({ body: { topics: 1, partitions: 3 } }),
    succeeds: 200,
    invalid: { body: { partitions: 'many' } },
  },
  'GET /v1/orgs/{org}/usage': {
    valid: async () => ({
      query: 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&granularity=hour',
    }),
    succeeds: 200,
    invalid: { query: 'from=yesterday&to=today' },
  },
  'GET /v1/orgs/{org}/audit-events': {
    valid: noInput,
    succeeds: 200,
    invalid: { query: 'limit=1000' },
  },
}

async function aKeyName(api: TestApi, tenant: Tenant): Promise<string> {
  const name = uniqueName('k')
  await expectStatus(
    await api.request('POST', `/v1/orgs/${tenant.org}/api-keys`, {
      as: tenant.owner,
      body: { name, role: 'viewer' },
    }),
    201,
  )
  return name
}

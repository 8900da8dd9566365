import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query'
import { fjord, type Schemas, unwrap } from '../../api.ts'

export type ServiceAccount = Schemas['ServiceAccount']
export type Credential = Schemas['Credential']
export type IssuedCredential = Schemas['IssuedCredential']

const collection = '/v1/orgs/{org}/clusters/{cluster}/service-accounts' as const
const item = '/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}' as const
const credentials =
  '/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials' as const

/** The operations of this area, as the permissions route names them. */
export const operations = {
  create: `POST ${collection}`,
  update: `PATCH ${item}`,
  delete: `DELETE ${item}`,
  issue: `POST ${credentials}`,
  revoke: `DELETE ${credentials}/{credential}`,
} as const

export interface AccountPath {
  org: string
  cluster: string
  serviceAccount: string
}

export const accountsKey = (org: string, cluster: string) => [
  'orgs',
  org,
  'clusters',
  cluster,
  'service-accounts',
]

export const accountsQuery = (org: string, cluster: string) =>
  infiniteQueryOptions({
    queryKey: accountsKey(org, cluster),
    queryFn: ({ pageParam }) =>
      unwrap(
        fjord.GET(collection, {
          params: {
            path: { org, cluster },
            query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  })

/** A service account with the ETag of what was read, for a save under If-Match. */
export const accountQuery = (path: AccountPath) =>
  queryOptions({
    queryKey: [...accountsKey(path.org, path.cluster), path.serviceAccount],
    queryFn: async () => {
      const answer = await fjord.GET(item, { params: { path } })
      const account = await unwrap(answer)
      return { account, etag: answer.response.headers.get('etag') ?? undefined }
    },
  })

export const credentialsQuery = (path: AccountPath) =>
  queryOptions({
    queryKey: [...accountsKey(path.org, path.cluster), path.serviceAccount, 'credentials'],
    queryFn: () => unwrap(fjord.GET(credentials, { params: { path } })),
  })

/** Provisioning is followed closely, a settled resource only now and then. */
export const settledOrNot = (phase: string | undefined) =>
  phase === 'Ready' || phase === 'Failed' ? 30_000 : 2_000

export function createAccount(
  org: string,
  cluster: string,
  body: { name: string; description: string },
): Promise<ServiceAccount> {
  return unwrap(fjord.POST(collection, { params: { path: { org, cluster } }, body }))
}

export function saveAcls(
  path: AccountPath,
  acls: ServiceAccount['acls'],
  etag: string | undefined,
): Promise<ServiceAccount> {
  return unwrap(
    fjord.PATCH(item, {
      params: { path, header: etag ? { 'if-match': etag } : {} },
      body: { acls },
    }),
  )
}

export function deleteAccount(path: AccountPath): Promise<ServiceAccount> {
  return unwrap(fjord.DELETE(item, { params: { path } }))
}

export function issueCredential(path: AccountPath): Promise<IssuedCredential> {
  return unwrap(fjord.POST(credentials, { params: { path } }))
}

export async function revokeCredential(path: AccountPath, credential: string): Promise<void> {
  await unwrap(
    fjord.DELETE(`${credentials}/{credential}`, { params: { path: { ...path, credential } } }),
  )
}

import { infiniteQueryOptions } from '@tanstack/react-query'
import { fjord, type Schemas, unwrap } from '../../api.ts'

export type Role = Schemas['Role']

/** Every role, least first: the order of the API's role table. */
export const roles: readonly Role[] = ['viewer', 'developer', 'admin', 'owner']

export const roleHints: Record<Role, string> = {
  viewer: 'reads everything, changes nothing',
  developer: 'also writes topics, messages, service accounts and group offsets',
  admin: 'also manages clusters, members, invitations and API keys, and reads the audit log',
  owner: 'also changes the plan, deletes the organization and makes owners',
}

const pageSize = 100

/** One page of a list route after another, `nextCursor` leading to the next. */
const pages = {
  initialPageParam: undefined as string | undefined,
  getNextPageParam: (page: { nextCursor: string | null }) => page.nextCursor ?? undefined,
}

export const membersQuery = (org: string) =>
  infiniteQueryOptions({
    queryKey: ['orgs', org, 'members'],
    queryFn: ({ pageParam }) =>
      unwrap(
        fjord.GET('/v1/orgs/{org}/members', {
          params: { path: { org }, query: { limit: pageSize, cursor: pageParam } },
        }),
      ),
    ...pages,
  })

export const invitationsQuery = (org: string) =>
  infiniteQueryOptions({
    queryKey: ['orgs', org, 'invitations'],
    queryFn: ({ pageParam }) =>
      unwrap(
        fjord.GET('/v1/orgs/{org}/invitations', {
          params: { path: { org }, query: { limit: pageSize, cursor: pageParam } },
        }),
      ),
    ...pages,
  })

export const apiKeysQuery = (org: string) =>
  infiniteQueryOptions({
    queryKey: ['orgs', org, 'api-keys'],
    queryFn: ({ pageParam }) =>
      unwrap(
        fjord.GET('/v1/orgs/{org}/api-keys', {
          params: { path: { org }, query: { limit: pageSize, cursor: pageParam } },
        }),
      ),
    ...pages,
  })

/** A resource name as the API checks it (orgs and API keys): shown before the round trip. */
export function nameProblem(name: string): string | undefined {
  if (!name) return undefined
  if (name.length < 2 || name.length > 40) return 'Between 2 and 40 characters'
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(name)) {
    return 'Lowercase letters, digits and dashes; starts with a letter, ends with a letter or digit'
  }
  return undefined
}

import type { paths } from '@fjord/client/schema'
import { queryOptions, useQuery } from '@tanstack/react-query'
import { fjord, unwrap } from './api.ts'

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type OrgPath = Extract<keyof paths, `/v1/orgs/{org}${string}`>

/** An operation inside an org, as the permissions route names it: `POST /v1/orgs/{org}/clusters`. */
export type Operation = {
  [P in OrgPath]: {
    [M in Method]: paths[P][M] extends undefined | never ? never : `${Uppercase<M>} ${P}`
  }[Method]
}[OrgPath]

export const permissionsQuery = (org: string) =>
  queryOptions({
    queryKey: ['orgs', org, 'permissions'],
    queryFn: () => unwrap(fjord.GET('/v1/orgs/{org}/permissions', { params: { path: { org } } })),
    staleTime: 60_000,
  })

export interface Permission {
  allowed: boolean
  /** Why not, for the tooltip of a disabled control. */
  reason?: string
}

/**
 * What the caller may do in `org`, from the API's permissions route. Until it has answered,
 * nothing is allowed, so no button is ever shown to fail.
 */
export function useCan(org: string): (operation: Operation) => Permission {
  const { data } = useQuery(permissionsQuery(org))
  return (operation) => {
    if (!data) return { allowed: false, reason: 'Checking your permissions…' }
    if (data.operations[operation]) return { allowed: true }
    return { allowed: false, reason: `Your role (${data.role}) does not allow this` }
  }
}

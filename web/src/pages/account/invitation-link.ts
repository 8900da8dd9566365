import { type Role, roles } from './queries.ts'

export interface InvitationSearch {
  token?: string
  /** What the link says the invitation is for; the API has the last word when it is accepted. */
  org?: string
  role?: Role
}

export function invitationSearch(search: Record<string, unknown>): InvitationSearch {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined)
  const role = roles.find((r) => r === search.role)
  return {
    ...(text(search.token) && { token: text(search.token) }),
    ...(text(search.org) && { org: text(search.org) }),
    ...(role && { role }),
  }
}

/** The link an invitee opens: the accept page with the token, and what it is for. */
export function invitationLink(token: string, org: string, role: Role): string {
  const query = new URLSearchParams({ token, org, role })
  return `${window.location.origin}/invitations/accept?${query}`
}

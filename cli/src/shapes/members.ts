import type { components } from '@fjord/client/schema'
import type { Shape } from '../output.ts'

// The JSON and YAML shapes of fjord's output, declared once: a script may rely on them, so
// each module's test snapshots them and a change shows up in review.

type Schemas = components['schemas']

export const memberShape: Shape<Schemas['Member']> = {
  fields: {
    email: (member) => member.email,
    name: (member) => member.name,
    role: (member) => member.role,
    createdAt: (member) => member.createdAt,
    updatedAt: (member) => member.updatedAt,
  },
  columns: ['email', 'name', 'role', 'createdAt'],
}

export const invitationShape: Shape<Schemas['Invitation']> = {
  fields: {
    id: (invitation) => invitation.id,
    email: (invitation) => invitation.email,
    role: (invitation) => invitation.role,
    expiresAt: (invitation) => invitation.expiresAt,
    createdAt: (invitation) => invitation.createdAt,
  },
  columns: ['id', 'email', 'role', 'expiresAt'],
}

/** An invitation as made: its token is in this answer only. */
export const createdInvitationShape: Shape<Schemas['CreatedInvitation']> = {
  fields: { ...invitationShape.fields, token: (invitation) => invitation.token },
  columns: ['email', 'role', 'expiresAt', 'token'],
}

export interface Joined {
  organization: string
  role: Schemas['Role']
}

/** What accepting an invitation made of you. */
export const joinedShape: Shape<Joined> = {
  fields: {
    organization: (joined) => joined.organization,
    role: (joined) => joined.role,
  },
  columns: ['organization', 'role'],
}

import type { components } from '@fjord/client/schema'
import type { Shape } from '../output.ts'

// The JSON and YAML shapes of fjord's output, declared once: a script may rely on them, so
// each module's test snapshots them and a change shows up in review.

type Schemas = components['schemas']

export const orgShape: Shape<Schemas['Organization']> = {
  fields: {
    name: (org) => org.name,
    displayName: (org) => org.displayName,
    plan: (org) => org.plan,
    createdAt: (org) => org.createdAt,
  },
  columns: ['name', 'displayName', 'plan'],
}

export interface Identity {
  profile: string
  apiUrl: string
  kind: 'user' | 'api_key'
  email: string | null
  apiKey: string | null
  role: string | null
  orgs: string[]
  org: string | null
  cluster: string | null
}

export const identityShape: Shape<Identity> = {
  fields: {
    profile: (me) => me.profile,
    apiUrl: (me) => me.apiUrl,
    kind: (me) => me.kind,
    email: (me) => me.email,
    apiKey: (me) => me.apiKey,
    role: (me) => me.role,
    orgs: (me) => me.orgs,
    org: (me) => me.org,
    cluster: (me) => me.cluster,
  },
  columns: ['profile', 'apiUrl', 'apiKey', 'role', 'org', 'cluster'],
}

export interface ProfileRow {
  name: string
  current: boolean
  apiUrl: string | null
  loggedIn: boolean
  org: string | null
  cluster: string | null
}

export const profileShape: Shape<ProfileRow> = {
  fields: {
    name: (profile) => profile.name,
    current: (profile) => profile.current,
    apiUrl: (profile) => profile.apiUrl,
    loggedIn: (profile) => profile.loggedIn,
    org: (profile) => profile.org,
    cluster: (profile) => profile.cluster,
  },
  columns: ['name', 'current', 'apiUrl', 'loggedIn', 'org', 'cluster'],
}

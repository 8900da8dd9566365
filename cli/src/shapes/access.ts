import type { components } from '@fjord/client/schema'
import type { Shape } from '../output.ts'

// The JSON and YAML shapes of fjord's output, declared once: a script may rely on them, so
// each module's test snapshots them and a change shows up in review.

type Schemas = components['schemas']
export type Acl = Schemas['Acl']

/**
 * An ACL in fjord's notation, `<type>:<name>[*]:<operations>`: `topic:orders:read,write`,
 * `group:shop-*:read` (a trailing `*` is a prefix). `--acl` takes the same.
 */
export function describeAcl(acl: Acl): string {
  const type = acl.resourceType === 'transactionalId' ? 'transactional-id' : acl.resourceType
  const star = acl.patternType === 'prefixed' ? '*' : ''
  return `${type}:${acl.name}${star}:${acl.operations.join(',')}`
}

export const apiKeyShape: Shape<Schemas['ApiKey']> = {
  fields: {
    name: (key) => key.name,
    role: (key) => key.role,
    prefix: (key) => key.prefix,
    lastUsedAt: (key) => key.lastUsedAt,
    createdAt: (key) => key.createdAt,
  },
  columns: ['name', 'role', 'prefix', 'lastUsedAt'],
}

/** A key as minted: its secret is in this answer only. */
export const createdApiKeyShape: Shape<Schemas['CreatedApiKey']> = {
  fields: { ...apiKeyShape.fields, token: (key) => key.token },
  columns: [...apiKeyShape.columns, 'token'],
}

export const serviceAccountShape: Shape<Schemas['ServiceAccount']> = {
  fields: {
    name: (account) => account.name,
    cluster: (account) => account.cluster,
    principal: (account) => account.principal,
    description: (account) => account.description,
    acls: (account) => account.acls.map(describeAcl),
    phase: (account) => account.status.phase,
    createdAt: (account) => account.createdAt,
  },
  columns: ['name', 'principal', 'phase', 'description'],
}

/** One ACL of a service account, as the API has it (`acl list`). */
export const aclShape: Shape<Acl> = {
  fields: {
    resourceType: (acl) => acl.resourceType,
    patternType: (acl) => acl.patternType ?? 'literal',
    name: (acl) => acl.name,
    operations: (acl) => acl.operations,
  },
  columns: ['resourceType', 'patternType', 'name', 'operations'],
}

/** A credential, and whether this profile keeps its password for produce and consume. */
export type CredentialRow = Schemas['Credential'] & { saved: boolean }

export const credentialShape: Shape<CredentialRow> = {
  fields: {
    id: (credential) => credential.id,
    username: (credential) => credential.username,
    mechanism: (credential) => credential.mechanism,
    createdAt: (credential) => credential.createdAt,
    saved: (credential) => credential.saved,
  },
  columns: ['id', 'username', 'createdAt', 'saved'],
}

/** A credential as issued, the whole answer of the API: the password is in it only. */
export const issuedCredentialShape: Shape<Schemas['IssuedCredential']> = {
  fields: {
    id: (credential) => credential.id,
    username: (credential) => credential.username,
    mechanism: (credential) => credential.mechanism,
    createdAt: (credential) => credential.createdAt,
    password: (credential) => credential.password,
    loginReady: (credential) => credential.loginReady,
    connection: (credential) => credential.connection,
    clientConfig: (credential) => credential.clientConfig,
  },
  columns: ['id', 'username', 'password', 'loginReady'],
}

/** The connection of an issued credential, field by field, for a terminal. */
export const connectionShape: Shape<Schemas['IssuedCredential']> = {
  fields: {
    bootstrapServers: (credential) => credential.connection.bootstrapServers,
    securityProtocol: (credential) => credential.connection.securityProtocol,
    saslMechanism: (credential) => credential.connection.saslMechanism,
    username: (credential) => credential.connection.username,
    password: (credential) => credential.connection.password,
    topicPrefix: (credential) => credential.connection.topicPrefix,
    loginReady: (credential) => credential.loginReady,
  },
  columns: ['bootstrapServers', 'username', 'password', 'topicPrefix'],
}

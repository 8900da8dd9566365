import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query'
import { useParams } from '@tanstack/react-router'
import { useState } from 'react'
import { fjord, type Schemas, unwrap } from '../../api.ts'
import { permissionsQuery, useCan } from '../../permissions.tsx'
import { ActionButton } from '../../ui/button.tsx'
import { CopyButton, SecretOnce } from '../../ui/copy.tsx'
import { ConfirmDelete } from '../../ui/dialog.tsx'
import { Field } from '../../ui/field.tsx'
import { PageHeader } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, Loading, ShowMore } from '../../ui/states.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { When } from './forms.tsx'
import { apiKeysQuery, nameProblem, type Role, roleHints, roles } from './queries.ts'

type ApiKey = Schemas['ApiKey']
type CreatedApiKey = Schemas['CreatedApiKey']

/** `/orgs/$org/api-keys`: keys for the CLI, scripts and CI, each with a role. */
export function ApiKeysPage() {
  const { org } = useParams({ from: '/app/orgs/$org/api-keys' })
  return (
    <>
      <PageHeader title="API keys" />
      <p className="muted acct-lead">
        An API key calls the REST API and the CLI as this organization, with the role it was given:
        for scripts and CI. It never acts in another organization.
      </p>
      <CreateApiKey org={org} />
      <h2>Keys</h2>
      <ApiKeyList org={org} />
    </>
  )
}

function CreateApiKey({ org }: { org: string }) {
  const queryClient = useQueryClient()
  const myRole = useQuery(permissionsQuery(org)).data?.role
  const [name, setName] = useState('')
  const [role, setRole] = useState<Role>('developer')
  const [created, setCreated] = useState<CreatedApiKey>()
  const invalid = nameProblem(name)
  const { error, busy, onSubmit } = useSubmit(async () => {
    setCreated(undefined)
    const key = await unwrap(
      fjord.POST('/v1/orgs/{org}/api-keys', { params: { path: { org } }, body: { name, role } }),
    )
    setCreated(key)
    setName('')
    await queryClient.invalidateQueries({ queryKey: apiKeysQuery(org).queryKey })
  })
  return (
    <section aria-labelledby="new-key" className="stack">
      <h2 id="new-key">New API key</h2>
      <form className="card acct-inline-form" onSubmit={onSubmit}>
        <Field
          label="Name"
          hint="What uses it, e.g. ci-deploy"
          path="name"
          error={error}
          invalid={invalid}
        >
          <input
            required
            minLength={2}
            maxLength={40}
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value.toLowerCase())}
          />
        </Field>
        <Field
          label="Role"
          hint={`${roleHints[role]}${myRole ? `; no higher than yours (${myRole})` : ''}`}
          path="role"
          error={error}
        >
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <div className="acct-submit">
          <ActionButton
            org={org}
            operation="POST /v1/orgs/{org}/api-keys"
            type="submit"
            className="primary"
            disabled={busy || Boolean(invalid)}
          >
            Create API key
          </ActionButton>
        </div>
      </form>
      <ProblemNote error={error} shownFields={['name', 'role']} />
      {created && <NewKey apiKey={created} onDone={() => setCreated(undefined)} />}
    </section>
  )
}

/** The key's secret, once, and how to use it from a shell. */
function NewKey({ apiKey, onDone }: { apiKey: CreatedApiKey; onDone: () => void }) {
  const url = window.location.origin
  const snippets = [
    {
      label: 'The CLI, with nothing stored',
      code: `FJORD_API_URL=${url} FJORD_API_KEY=${apiKey.token} fjord clusters list`,
    },
    {
      label: 'The CLI, kept in its profile',
      code: `fjord login --api-url ${url} --api-key ${apiKey.token}`,
    },
    {
      label: 'HTTP',
      code: `curl -H "Authorization: Bearer ${apiKey.token}" ${url}/v1/me`,
    },
  ]
  return (
    <div className="stack acct-created" data-testid="api-key-created">
      <SecretOnce label={`API key ${apiKey.name} (${apiKey.role})`} secret={apiKey.token} />
      <div className="card stack">
        <strong>Use it</strong>
        {snippets.map((snippet) => (
          <div key={snippet.label} className="acct-snippet">
            <span className="muted">{snippet.label}</span>
            <div className="row acct-snippet-code">
              <pre>{snippet.code}</pre>
              <CopyButton text={snippet.code} />
            </div>
          </div>
        ))}
        <div>
          <button type="button" onClick={onDone}>
            I have copied it
          </button>
        </div>
      </div>
    </div>
  )
}

function ApiKeyList({ org }: { org: string }) {
  const can = useCan(org)
  const allowed = can('GET /v1/orgs/{org}/api-keys').allowed
  const keys = useInfiniteQuery({ ...apiKeysQuery(org), enabled: allowed })
  const [revoking, setRevoking] = useState<ApiKey>()
  const queryClient = useQueryClient()
  if (!allowed) {
    return <Empty>Only admins and owners see the organization's API keys.</Empty>
  }
  if (keys.isPending) return <Loading what="API keys" />
  if (keys.error) return <ProblemNote error={keys.error} />
  const items = keys.data.pages.flatMap((page) => page.items)
  if (items.length === 0) {
    return <Empty>No API key yet. Make one above for the CLI, a script or CI.</Empty>
  }
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((key) => (
              <tr key={key.id} data-testid="api-key">
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>
                  <span className="badge">{key.role}</span>
                </td>
                <td>
                  <When at={key.createdAt} />
                </td>
                <td>
                  <When at={key.lastUsedAt} never="never" />
                </td>
                <td>
                  <ActionButton
                    org={org}
                    operation="DELETE /v1/orgs/{org}/api-keys/{apiKey}"
                    onClick={() => setRevoking(key)}
                    aria-label={`Revoke ${key.name}`}
                  >
                    Revoke
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ShowMore query={keys} what="keys" />
      {revoking && (
        <ConfirmDelete
          open
          onOpenChange={(open) => open || setRevoking(undefined)}
          kind="API key"
          name={revoking.name}
          consequence={`Revoking it stops every call made with it at once: the CLI, scripts and CI that use ${revoking.prefix}… get 401.`}
          onConfirm={async () => {
            await unwrap(
              fjord.DELETE('/v1/orgs/{org}/api-keys/{apiKey}', {
                params: { path: { org, apiKey: revoking.name } },
              }),
            )
            await queryClient.invalidateQueries({ queryKey: apiKeysQuery(org).queryKey })
          }}
        />
      )}
    </>
  )
}

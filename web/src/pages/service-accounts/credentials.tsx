import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { ActionButton } from '../../ui/button.tsx'
import { SecretOnce } from '../../ui/copy.tsx'
import { Dialog } from '../../ui/dialog.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, QueryState } from '../../ui/states.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { ClientConfig } from './client-config.tsx'
import {
  type AccountPath,
  type Credential,
  credentialsQuery,
  type IssuedCredential,
  issueCredential,
  operations,
  revokeCredential,
} from './queries.ts'

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/**
 * The SCRAM credential of a service account: listed without its password; a new one shows
 * its password once, with the client configuration; revoking asks first.
 */
export function Credentials({ path }: { path: AccountPath }) {
  const queryClient = useQueryClient()
  const query = useQuery(credentialsQuery(path))
  const [issued, setIssued] = useState<IssuedCredential>()
  const [confirmReplace, setConfirmReplace] = useState(false)
  const [revoking, setRevoking] = useState<Credential>()
  const existing = query.data?.items ?? []
  const {
    error,
    busy,
    run: issue,
  } = useSubmit(async () => {
    setIssued(await issueCredential(path))
    setConfirmReplace(false)
    await queryClient.invalidateQueries({ queryKey: credentialsQuery(path).queryKey })
  })

  return (
    <section aria-labelledby="credentials-title" className="stack">
      <div className="row sa-spread">
        <h3 id="credentials-title">Credentials</h3>
        <ActionButton
          org={path.org}
          operation={operations.issue}
          className="primary"
          disabled={busy}
          onClick={() => (existing.length > 0 ? setConfirmReplace(true) : void issue())}
        >
          {busy ? 'Creating…' : 'Create credential'}
        </ActionButton>
      </div>
      <p className="muted">
        A SCRAM-SHA-512 username and password for Kafka clients. A service account has one at a
        time: a new one replaces the current one.
      </p>
      {!confirmReplace && <ProblemNote error={error} />}
      {issued && <IssuedPanel issued={issued} onDone={() => setIssued(undefined)} />}
      <QueryState query={query} what="credentials">
        {({ items }) =>
          items.length === 0 ? (
            <Empty>No credential yet: create one to connect a client.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Credential</th>
                    <th scope="col">Username</th>
                    <th scope="col">Mechanism</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((credential) => (
                    <tr key={credential.id} data-testid="credential-row">
                      <td className="mono">{credential.id}</td>
                      <td className="mono">{credential.username}</td>
                      <td>{credential.mechanism}</td>
                      <td>{dateTime.format(new Date(credential.createdAt))}</td>
                      <td>
                        <ActionButton
                          org={path.org}
                          operation={operations.revoke}
                          onClick={() => setRevoking(credential)}
                          aria-label={`Revoke credential ${credential.id}`}
                        >
                          Revoke
                        </ActionButton>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
      <Dialog
        open={confirmReplace}
        onOpenChange={setConfirmReplace}
        title="Replace the credential?"
        description="The new password replaces the current one: clients that log in with the current password stop working."
      >
        <ProblemNote error={error} />
        <div className="row">
          <button type="button" className="primary" disabled={busy} onClick={() => void issue()}>
            {busy ? 'Creating…' : 'Create a new credential'}
          </button>
          <button type="button" onClick={() => setConfirmReplace(false)}>
            Cancel
          </button>
        </div>
      </Dialog>
      {revoking && (
        <RevokeDialog
          path={path}
          credential={revoking}
          onClose={() => setRevoking(undefined)}
          onRevoked={async () => {
            if (issued?.id === revoking.id) setIssued(undefined)
            await queryClient.invalidateQueries({ queryKey: credentialsQuery(path).queryKey })
          }}
        />
      )}
    </section>
  )
}

function IssuedPanel({ issued, onDone }: { issued: IssuedCredential; onDone: () => void }) {
  return (
    <div className="card stack" data-testid="issued-credential">
      <SecretOnce label={`Password of ${issued.username}`} secret={issued.password} />
      {!issued.connection.bootstrapServers && (
        <p className="note warn">
          The cluster is not Ready yet, so the configuration has no bootstrap servers: take them
          from the cluster's overview once it is.
        </p>
      )}
      {!issued.loginReady && (
        <p className="note warn">
          Kafka does not take this password yet (the service account is still being provisioned); it
          will within a minute.
        </p>
      )}
      <h4 className="sa-subtitle">Client configuration</h4>
      <p className="muted">
        It holds the password too: keep it as you keep the password. Topics and groups start with{' '}
        <code>{issued.connection.topicPrefix}</code>.
      </p>
      <ClientConfig issued={issued} />
      <div className="row">
        <button type="button" onClick={onDone}>
          I saved the password; hide it
        </button>
      </div>
    </div>
  )
}

function RevokeDialog({
  path,
  credential,
  onClose,
  onRevoked,
}: {
  path: AccountPath
  credential: Credential
  onClose: () => void
  onRevoked: () => Promise<void>
}) {
  const {
    error,
    busy,
    run: revoke,
  } = useSubmit(async () => {
    await revokeCredential(path, credential.id)
    await onRevoked()
    onClose()
  })
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="Revoke the credential?"
      description={`Clients logging in as ${credential.username} with it stop working. This cannot be undone; you can create a new credential after.`}
    >
      <ProblemNote error={error} />
      <div className="row">
        <ActionButton
          org={path.org}
          operation={operations.revoke}
          className="danger"
          disabled={busy}
          onClick={() => revoke()}
        >
          {busy ? 'Revoking…' : 'Revoke credential'}
        </ActionButton>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  )
}

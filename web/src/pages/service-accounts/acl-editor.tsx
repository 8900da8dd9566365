import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useId, useState } from 'react'
import { FjordProblem } from '../../api.ts'
import { ActionButton } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { fieldError, ProblemNote } from '../../ui/problem.tsx'
import {
  type Acl,
  type AclRow,
  aclsOf,
  emptyRow,
  kafkaNameOf,
  operationLabels,
  operationsByResource,
  type PatternType,
  type ResourceType,
  resourceTypes,
  rowProblems,
  rowsOf,
  sameAcls,
  withAcls,
  withResourceType,
} from './acls.ts'
import { IntentShortcuts } from './intents.tsx'
import { type AccountPath, accountQuery, accountsKey, operations, saveAcls } from './queries.ts'

interface Draft {
  rows: AclRow[]
  /** The ACLs the rows started from, and the ETag they were read with. */
  base: Acl[]
  etag: string | undefined
}

const draftOf = (acls: Acl[], etag: string | undefined): Draft => ({
  rows: rowsOf(acls),
  base: acls,
  etag,
})

/**
 * The ACLs of a service account, edited as rows and saved whole under If-Match: a change
 * someone else saved meanwhile is not overwritten, and the API's problems show by their row.
 */
export function AclEditor({
  path,
  acls,
  etag,
  prefix,
  topics,
}: {
  path: AccountPath
  acls: Acl[]
  etag: string | undefined
  prefix: string
  topics: string[]
}) {
  const queryClient = useQueryClient()
  const [draft, setDraft] = useState(() => draftOf(acls, etag))
  const [attempted, setAttempted] = useState(false)
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const [saved, setSaved] = useState(false)
  const dirty = !sameAcls(aclsOf(draft.rows), draft.base)
  const conflict = error instanceof FjordProblem && error.code === 'precondition_failed'

  // A newer read of the account replaces rows nobody is editing; edits are kept.
  useEffect(() => {
    setDraft((current) => {
      if (!sameAcls(aclsOf(current.rows), current.base)) return current
      if (sameAcls(acls, current.base)) return { ...current, etag }
      return draftOf(acls, etag)
    })
  }, [acls, etag])

  const setRows = (rows: AclRow[]) => {
    setDraft({ ...draft, rows })
    setSaved(false)
  }
  const updateRow = (index: number, row: AclRow) =>
    setRows(draft.rows.map((other, i) => (i === index ? row : other)))

  const save = async () => {
    setAttempted(true)
    setSaved(false)
    if (draft.rows.some((row) => Object.keys(rowProblems(row)).length > 0)) return
    setBusy(true)
    setError(undefined)
    try {
      // The ETag covers the status too, which moves by itself while the account provisions:
      // a 412 is a conflict only when the ACLs the edit began from are no longer the saved ones.
      const ifMatch = sameAcls(acls, draft.base) ? etag : draft.etag
      const written = await saveAcls(path, aclsOf(draft.rows), ifMatch).catch(async (problem) => {
        if (!(problem instanceof FjordProblem && problem.code === 'precondition_failed')) {
          throw problem
        }
        const fresh = await queryClient.fetchQuery({ ...accountQuery(path), staleTime: 0 })
        if (!sameAcls(fresh.account.acls, draft.base)) throw problem
        return saveAcls(path, aclsOf(draft.rows), fresh.etag)
      })
      setDraft({ rows: draft.rows, base: written.acls, etag: undefined })
      setAttempted(false)
      setSaved(true)
      await queryClient.invalidateQueries({ queryKey: accountsKey(path.org, path.cluster) })
    } catch (problem) {
      setError(problem)
    } finally {
      setBusy(false)
    }
  }

  const shownFields = draft.rows.flatMap((_, i) => [`acls.${i}.name`, `acls.${i}.operations`])
  return (
    <section aria-labelledby="acls-title" className="stack">
      <h3 id="acls-title">ACLs</h3>
      <p className="muted">
        What this account may do. Names are inside the cluster's prefix <code>{prefix}</code>:
        Kafka's ACL carries the full name shown under each one.
      </p>
      <IntentShortcuts topics={topics} onAdd={(more) => setRows(withAcls(draft.rows, more))} />
      <datalist id="sa-topic-names">
        {topics.map((topic) => (
          <option key={topic} value={topic} />
        ))}
      </datalist>
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault()
          void save()
        }}
      >
        {draft.rows.length === 0 ? (
          <p className="card muted">
            No ACLs: this account may do nothing yet. Add a row, or use a shortcut above.
          </p>
        ) : (
          <ol className="sa-acl-rows">
            {draft.rows.map((row, index) => (
              <AclRowEditor
                key={row.key}
                index={index}
                row={row}
                prefix={prefix}
                error={error}
                problems={attempted ? rowProblems(row) : {}}
                onChange={(changed) => updateRow(index, changed)}
                onRemove={() => setRows(draft.rows.filter((_, i) => i !== index))}
              />
            ))}
          </ol>
        )}
        <div className="row">
          <button type="button" onClick={() => setRows([...draft.rows, emptyRow()])}>
            Add an ACL
          </button>
        </div>
        {conflict ? (
          <div className="note error" role="alert">
            <strong>Someone changed these ACLs since you opened them.</strong>
            <span>Your changes were not saved, so theirs are not overwritten. </span>
            <button
              type="button"
              className="link"
              onClick={async () => {
                setError(undefined)
                const fresh = await queryClient.fetchQuery(accountQuery(path))
                setDraft(draftOf(fresh.account.acls, fresh.etag))
              }}
            >
              Load their ACLs (drops your changes)
            </button>
          </div>
        ) : (
          <ProblemNote error={error} shownFields={shownFields} />
        )}
        {saved && !dirty && (
          <p className="note ok" role="status">
            Saved. Kafka's ACLs follow within seconds (see the status above).
          </p>
        )}
        <div className="row">
          <ActionButton
            org={path.org}
            operation={operations.update}
            type="submit"
            className="primary"
            disabled={!dirty || busy}
          >
            {busy ? 'Saving…' : 'Save ACLs'}
          </ActionButton>
          <button
            type="button"
            disabled={!dirty || busy}
            onClick={() => {
              setDraft(draftOf(acls, etag))
              setError(undefined)
              setAttempted(false)
            }}
          >
            Discard changes
          </button>
          {dirty && <span className="muted">Unsaved changes</span>}
        </div>
      </form>
    </section>
  )
}

function AclRowEditor({
  index,
  row,
  prefix,
  error,
  problems,
  onChange,
  onRemove,
}: {
  index: number
  row: AclRow
  prefix: string
  error: unknown
  problems: { name?: string; operations?: string }
  onChange: (row: AclRow) => void
  onRemove: () => void
}) {
  const operationsId = useId()
  const operationsError = problems.operations ?? fieldError(error, `acls.${index}.operations`)
  const label = `ACL ${index + 1}`
  return (
    <li className="sa-acl-row card" aria-label={label} data-testid="acl-row">
      <Field label="Resource" path={`acls.${index}.resourceType`} error={error}>
        <select
          value={row.resourceType}
          onChange={(e) => onChange(withResourceType(row, e.target.value as ResourceType))}
        >
          {resourceTypes.map((type) => (
            <option key={type.value} value={type.value}>
              {type.label}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Pattern" path={`acls.${index}.patternType`} error={error}>
        <select
          value={row.patternType}
          onChange={(e) => onChange({ ...row, patternType: e.target.value as PatternType })}
        >
          <option value="literal">Literal</option>
          <option value="prefixed">Prefixed</option>
        </select>
      </Field>
      <Field
        label="Name"
        hint={
          row.name.trim()
            ? `In Kafka: ${kafkaNameOf(prefix, row)}`
            : row.patternType === 'prefixed'
              ? `The start of names after ${prefix}`
              : `The name after ${prefix}`
        }
        path={`acls.${index}.name`}
        error={error}
        invalid={problems.name}
      >
        <input
          value={row.name}
          list={row.resourceType === 'topic' ? 'sa-topic-names' : undefined}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => onChange({ ...row, name: e.target.value })}
        />
      </Field>
      <fieldset
        className="sa-operations"
        aria-describedby={operationsError ? operationsId : undefined}
        aria-invalid={operationsError ? true : undefined}
      >
        <legend>Operations</legend>
        <div className="sa-checks">
          {operationsByResource[row.resourceType].map((operation) => (
            <label key={operation} className="sa-check">
              <input
                type="checkbox"
                checked={row.operations.includes(operation)}
                onChange={(e) =>
                  onChange({
                    ...row,
                    operations: e.target.checked
                      ? [...row.operations, operation]
                      : row.operations.filter((op) => op !== operation),
                  })
                }
              />
              {operationLabels[operation]}
            </label>
          ))}
        </div>
        {operationsError && (
          <span className="error" id={operationsId}>
            {operationsError}
          </span>
        )}
      </fieldset>
      <button type="button" className="sa-remove" onClick={onRemove} aria-label={`Remove ${label}`}>
        Remove
      </button>
    </li>
  )
}

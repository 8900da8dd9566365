import { useQueryClient } from '@tanstack/react-query'
import { type ReactNode, useId, useState } from 'react'
import { ActionButton } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { useSubmit } from '../../ui/submit.ts'
import {
  formatCount,
  type PreviewRow,
  previewRows,
  type ResetForm,
  type ResetTarget,
  resetBody,
  resetTargets,
  signed,
  sumOf,
} from './lag.ts'
import {
  type Group,
  groupQuery,
  type OffsetReset,
  type ResetOffsets,
  resetOffsets,
  resetOperation,
} from './queries.ts'

const targetLabels: Record<ResetTarget, { label: string; hint: string }> = {
  earliest: { label: 'Earliest', hint: 'the oldest message still kept: read everything again' },
  latest: { label: 'Latest', hint: 'the end: skip every message not read yet' },
  timestamp: { label: 'A time', hint: 'the first message at or after it' },
  offset: { label: 'An offset', hint: 'the same offset on every partition, kept inside the log' },
}

interface Preview {
  body: ResetOffsets
  rows: PreviewRow[]
}

/** Why the group's offsets cannot be reset now, or undefined when they can. */
function notEmptyReason(group: Group): string | undefined {
  if (group.memberCount === 0 && (group.state === 'Empty' || group.state === 'Dead')) return
  const members = group.memberCount === 1 ? '1 member' : `${group.memberCount} members`
  return `Offsets can be reset only while the group is empty; it has ${members} (${group.state}). Stop its consumers first.`
}

/**
 * The reset of an empty group's offsets in two steps: a dry run shows each partition's new
 * offset and the lag it leaves, and only Apply moves them, exactly as previewed.
 */
export function OffsetResetPanel({
  org,
  cluster,
  group,
}: {
  org: string
  cluster: string
  group: Group
}) {
  const queryClient = useQueryClient()
  const path = { org, cluster, group: group.name }
  const [form, setForm] = useState<ResetForm>({
    to: 'earliest',
    timestamp: '',
    offset: '0',
    topic: '',
  })
  const [preview, setPreview] = useState<Preview>()
  const [applied, setApplied] = useState<OffsetReset>()
  const { error, busy, run, clearError } = useSubmit()
  const [invalid, setInvalid] = useState<{ field: string; message: string }>()
  const reasonId = useId()
  const blocked = notEmptyReason(group)

  const change = (patch: Partial<ResetForm>) => {
    setForm({ ...form, ...patch })
    setPreview(undefined)
    setInvalid(undefined)
    clearError()
  }

  const showPreview = () =>
    run(async () => {
      setApplied(undefined)
      const asked = resetBody(form)
      if ('invalid' in asked) {
        setInvalid(asked.invalid)
        return
      }
      const { body } = asked
      // The dry run of `latest` over the same partitions tells their ends, for the lag after.
      const [target, ends] = await Promise.all([
        resetOffsets(path, { ...body, dryRun: true }),
        body.to === 'latest'
          ? undefined
          : resetOffsets(path, {
              to: 'latest',
              ...(body.topics ? { topics: body.topics } : {}),
              dryRun: true,
            }),
      ])
      setPreview({ body, rows: previewRows(target, ends ?? target) })
    })

  const apply = () =>
    run(async () => {
      if (!preview) return
      const done = await resetOffsets(path, { ...preview.body, dryRun: false })
      setApplied(done)
      setPreview(undefined)
      await queryClient.invalidateQueries({
        queryKey: groupQuery(org, cluster, group.name).queryKey,
      })
    })

  return (
    <section aria-labelledby="reset-title" className="card stack grp-reset">
      <h3 id="reset-title">Reset offsets</h3>
      <p className="muted">
        Move where the group reads next. First preview the new offsets; nothing changes until you
        apply them.
      </p>
      {blocked && (
        <p className="note warn" id={reasonId} data-testid="reset-blocked">
          {blocked}
        </p>
      )}
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault()
          void showPreview()
        }}
      >
        <fieldset className="grp-choices">
          <legend>Reset to</legend>
          {resetTargets.map((to) => (
            <label key={to} className="grp-choice">
              <input
                type="radio"
                name="reset-to"
                value={to}
                checked={form.to === to}
                onChange={() => change({ to })}
              />
              <span>
                <strong>{targetLabels[to].label}</strong>{' '}
                <span className="muted">{targetLabels[to].hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="row grp-end">
          {form.to === 'timestamp' && (
            <Field
              label="Time"
              hint="In your time zone"
              path="timestamp"
              error={error}
              invalid={invalid?.field === 'timestamp' ? invalid.message : undefined}
            >
              <input
                type="datetime-local"
                step={1}
                value={form.timestamp}
                onChange={(e) => change({ timestamp: e.target.value })}
              />
            </Field>
          )}
          {form.to === 'offset' && (
            <Field
              label="Offset"
              path="offset"
              error={error}
              invalid={invalid?.field === 'offset' ? invalid.message : undefined}
            >
              <input
                type="number"
                min={0}
                step={1}
                inputMode="numeric"
                value={form.offset}
                onChange={(e) => change({ offset: e.target.value })}
              />
            </Field>
          )}
          <Field label="Topics" path="topics" error={error}>
            <select value={form.topic} onChange={(e) => change({ topic: e.target.value })}>
              <option value="">Every topic it committed on</option>
              {group.topics.map((topic) => (
                <option key={topic} value={topic}>
                  {topic} (all its partitions)
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div className="row">
          <ActionButton
            org={org}
            operation={resetOperation}
            type="submit"
            disabled={Boolean(blocked) || busy}
            aria-describedby={blocked ? reasonId : undefined}
          >
            {busy && !preview ? 'Previewing…' : 'Preview the reset'}
          </ActionButton>
        </div>
      </form>
      <ProblemNote error={error} shownFields={['timestamp', 'offset', 'topics']} />
      {preview && (
        <PreviewTable
          rows={preview.rows}
          actions={
            <div className="row">
              <ActionButton
                org={org}
                operation={resetOperation}
                className="primary"
                disabled={Boolean(blocked) || busy}
                aria-describedby={blocked ? reasonId : undefined}
                onClick={() => void apply()}
              >
                {busy ? 'Applying…' : `Apply to ${preview.rows.length} partitions`}
              </ActionButton>
              <button type="button" onClick={() => setPreview(undefined)} disabled={busy}>
                Cancel
              </button>
            </div>
          }
        />
      )}
      {applied && (
        <p className="note ok" role="status">
          Reset {applied.partitions.length}{' '}
          {applied.partitions.length === 1 ? 'partition' : 'partitions'} of {applied.name}:{' '}
          {applied.partitions.map((p) => `${p.topic} ${p.partition} → ${p.newOffset}`).join('; ')}.
        </p>
      )}
    </section>
  )
}

function PreviewTable({ rows, actions }: { rows: PreviewRow[]; actions: ReactNode }) {
  const before = sumOf(rows, 'lagBefore')
  const after = sumOf(rows, 'lagAfter')
  return (
    <div className="stack" data-testid="reset-preview">
      <p className="note info" role="status">
        <strong>Preview: nothing has changed yet.</strong>
        Applying moves {rows.length === 1 ? 'this partition' : `these ${rows.length} partitions`}
        {before !== null && after !== null
          ? `, and the group's lag goes from ${formatCount(before)} to ${formatCount(after)} messages.`
          : '.'}
      </p>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">New offsets per partition</caption>
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col" className="num">
                Partition
              </th>
              <th scope="col" className="num">
                Current offset
              </th>
              <th scope="col" className="num">
                New offset
              </th>
              <th scope="col" className="num">
                Lag now
              </th>
              <th scope="col" className="num">
                Lag after
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.topic}/${row.partition}`} data-testid="preview-row">
                <td>{row.topic}</td>
                <td className="num">{row.partition}</td>
                <td className="num">
                  {row.currentOffset === null ? (
                    <span className="muted">none</span>
                  ) : (
                    formatCount(row.currentOffset)
                  )}
                </td>
                <td className="num">
                  <span aria-hidden="true" className="muted">
                    →{' '}
                  </span>
                  <strong>{formatCount(row.newOffset)}</strong>
                </td>
                <td className="num">{row.lagBefore === null ? '—' : formatCount(row.lagBefore)}</td>
                <td className="num">
                  {row.lagAfter === null ? '—' : formatCount(row.lagAfter)}
                  {row.lagBefore !== null && row.lagAfter !== null && (
                    <span className="muted"> ({signed(row.lagAfter - row.lagBefore)})</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {actions}
    </div>
  )
}

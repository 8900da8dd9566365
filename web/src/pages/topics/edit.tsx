import { useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { type FormEvent, useState } from 'react'
import { FjordProblem, fjord, unwrap } from '../../api.ts'
import { ActionButton } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { ConfigEditor, type ConfigEntry, configOf, entriesOf } from './config-editor.tsx'
import { topicPatch } from './patch.ts'
import { operations, type Topic, topicsKey } from './queries.ts'
import { configProblems, partitionsRange, wholeNumberProblem } from './rules.ts'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/topics/$topic')

/** The spec a form was opened on, to tell a change of someone else's from a status change. */
const specOf = (topic: Topic) =>
  JSON.stringify([topic.partitions, topic.replicationFactor, Object.entries(topic.config).sort()])

/**
 * Partitions (more only) and configs, saved under If-Match: the ETag of the version the form
 * was opened on, or of a newer one whose spec is the same (only its status moved on).
 */
export function EditTopicForm({
  org,
  cluster,
  topic,
  etag,
}: {
  org: string
  cluster: string
  topic: Topic
  etag: string | undefined
}) {
  const navigate = route.useNavigate()
  const queryClient = useQueryClient()
  const [base, setBase] = useState(topic)
  const [partitions, setPartitions] = useState(String(topic.partitions))
  const [config, setConfig] = useState<ConfigEntry[]>(entriesOf(topic.config))
  const { error, busy, run, clearError } = useSubmit(async () => {
    await unwrap(
      fjord.PATCH('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
        params: {
          path: { org, cluster, topic: base.name },
          ...(etag ? { header: { 'if-match': etag } } : {}),
        },
        body: patch,
      }),
    )
    await queryClient.invalidateQueries({ queryKey: topicsKey(org, cluster) })
    await queryClient.invalidateQueries({ queryKey: ['orgs', org, 'quotas'] })
    await navigate({ search: {} })
  })
  const stale = specOf(base) !== specOf(topic)

  const shrinks = /^\d+$/.test(partitions.trim()) && Number(partitions) < base.partitions
  const invalid = {
    partitions: shrinks
      ? `Kafka only adds partitions: at least ${base.partitions}`
      : wholeNumberProblem(partitions, partitionsRange),
    config: configProblems(configOf(config), base.replicationFactor),
  }
  const patch = topicPatch(base, Number(partitions), configOf(config))
  const unchanged = Object.keys(patch).length === 0
  const valid = !invalid.partitions && Object.keys(invalid.config).length === 0

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!valid || unchanged || stale) return
    return run()
  }

  const reload = () => {
    setBase(topic)
    setPartitions(String(topic.partitions))
    setConfig(entriesOf(topic.config))
    clearError()
  }
  const changedElsewhere =
    stale || (error instanceof FjordProblem && error.code === 'precondition_failed')

  return (
    <form className="form topic-form" onSubmit={submit} noValidate>
      <h2>Edit {base.name}</h2>
      {changedElsewhere && (
        <div className="note warn" role="alert">
          <strong>The topic changed since you opened this form</strong>
          <span>
            Someone else saved it meanwhile. Reload its current values, then make your change again.
          </span>{' '}
          <button type="button" onClick={reload}>
            Reload the topic
          </button>
        </div>
      )}
      <Field
        label="Partitions"
        hint={`Now ${base.partitions}. Kafka only adds partitions; keys may then go to other partitions`}
        path="partitions"
        error={error}
        invalid={invalid.partitions}
      >
        <input
          type="number"
          min={base.partitions}
          max={partitionsRange.max}
          value={partitions}
          onChange={(e) => setPartitions(e.target.value)}
        />
      </Field>
      <p className="muted">
        Replication factor {base.replicationFactor}: fixed once created (recreate the topic to
        change it).
      </p>
      <ConfigEditor entries={config} onChange={setConfig} invalid={invalid.config} error={error} />
      <ProblemNote
        error={changedElsewhere ? undefined : error}
        shownFields={['partitions', 'config']}
      />
      <div className="row">
        <ActionButton
          org={org}
          operation={operations.edit}
          type="submit"
          className="primary"
          disabled={busy || unchanged || stale || !valid}
        >
          Save changes
        </ActionButton>
        <Link
          to="/orgs/$org/clusters/$cluster/topics/$topic"
          params={{ org, cluster, topic: base.name }}
          search={{}}
          className="button"
        >
          Cancel
        </Link>
        {unchanged && <span className="muted">Nothing changed yet.</span>}
      </div>
    </form>
  )
}

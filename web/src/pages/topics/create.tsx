import { useQuery, useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react'
import { fjord, unwrap } from '../../api.ts'
import { useCan } from '../../permissions.tsx'
import { clusterQuery } from '../../routes/org.tsx'
import { ActionButton } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Loading } from '../../ui/states.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { quotasQuery } from '../clusters/queries.ts'
import { ConfigEditor, type ConfigEntry, configOf, entriesOf } from './config-editor.tsx'
import { formatDuration } from './format.ts'
import {
  dryRunCreate,
  operations,
  presetsQuery,
  type TopicInput,
  type TopicPreset,
  topicsKey,
} from './queries.ts'
import {
  configProblems,
  partitionsRange,
  replicationRange,
  topicNameProblem,
  wholeNumberProblem,
} from './rules.ts'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/topics')
const custom = 'custom'

/** `value`, once it has stayed the same for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/** A new topic: from a use-case preset the API serves, or with every config chosen. */
export function CreateTopicPage() {
  const { org, cluster } = route.useParams()
  const search = route.useSearch()
  const presets = useQuery(presetsQuery)
  if (presets.isPending) return <Loading what="presets" />
  return (
    <CreateTopicForm
      key={org + cluster}
      org={org}
      cluster={cluster}
      presets={presets.data?.items ?? []}
      presetsError={presets.error}
      initialPreset={search.preset}
    />
  )
}

function CreateTopicForm({
  org,
  cluster,
  presets,
  presetsError,
  initialPreset,
}: {
  org: string
  cluster: string
  presets: TopicPreset[]
  presetsError: unknown
  initialPreset: string | undefined
}) {
  const navigate = route.useNavigate()
  const queryClient = useQueryClient()
  const can = useCan(org)
  const first = presets.find((p) => p.id === initialPreset) ?? presets[0]
  const [preset, setPreset] = useState(first?.id ?? custom)
  const [name, setName] = useState('')
  const [partitions, setPartitions] = useState(String(first?.spec.partitions ?? 3))
  const [replication, setReplication] = useState('')
  const [config, setConfig] = useState<ConfigEntry[]>(entriesOf(first?.spec.config ?? {}))
  const [touched, setTouched] = useState(false)
  const { error, busy, run, clearError } = useSubmit(async () => {
    const created = await unwrap(
      fjord.POST('/v1/orgs/{org}/clusters/{cluster}/topics', {
        params: { path: { org, cluster } },
        body: input,
      }),
    )
    await queryClient.invalidateQueries({ queryKey: topicsKey(org, cluster), exact: true })
    await queryClient.invalidateQueries({ queryKey: ['orgs', org, 'quotas'] })
    await navigate({
      to: '/orgs/$org/clusters/$cluster/topics/$topic',
      params: { org, cluster, topic: created.name },
    })
  })
  const { data: shown } = useQuery(clusterQuery(org, cluster))
  const { data: quotas } = useQuery(quotasQuery(org))
  const prefix = shown?.kafkaPrefix ?? ''

  const choose = (id: string) => {
    setPreset(id)
    const chosen = presets.find((p) => p.id === id)
    if (!chosen) return
    setPartitions(String(chosen.spec.partitions))
    setConfig(entriesOf(chosen.spec.config))
    clearError()
  }

  const replicationFactor = replication.trim() === '' ? undefined : Number(replication)
  const invalid = {
    name: touched || name ? topicNameProblem(name, prefix) : undefined,
    partitions: wholeNumberProblem(partitions, partitionsRange),
    replication:
      replication.trim() === '' ? undefined : wholeNumberProblem(replication, replicationRange),
    config: configProblems(configOf(config), replicationFactor),
  }
  const valid =
    !topicNameProblem(name, prefix) &&
    !invalid.partitions &&
    !invalid.replication &&
    Object.keys(invalid.config).length === 0
  const input: TopicInput = useMemo(
    () => ({
      name,
      partitions: Number(partitions),
      ...(replicationFactor === undefined ? {} : { replicationFactor }),
      config: configOf(config),
    }),
    [name, partitions, replicationFactor, config],
  )

  // What the API makes of it, a moment after the form stops changing: Kafka's rules, the
  // cluster prefix, a name already taken, the quota. Only for those who may create.
  const settled = useSettled(input, 400)
  const allowed = can(operations.create).allowed
  const dryRun = useQuery({
    queryKey: [...topicsKey(org, cluster), 'dry-run', settled],
    queryFn: () => dryRunCreate({ org, cluster }, settled),
    enabled: allowed && valid && settled === input,
    staleTime: 10_000,
    retry: false,
  })
  const exists =
    dryRun.data && dryRun.data.plan[0]?.action !== 'create'
      ? `A topic named ${settled.name} already exists`
      : undefined
  const problem = error ?? (settled === input ? dryRun.error : undefined)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    setTouched(true)
    if (!valid || exists) return
    return run()
  }

  const presetId = useId()
  const chosen = presets.find((p) => p.id === preset)
  const partitionsLeft = quotas ? quotas.limits.partitions - quotas.use.partitions : undefined
  return (
    <form className="form topic-form" onSubmit={submit} noValidate>
      <h2>New topic</h2>
      <fieldset className="presets" aria-describedby={`${presetId}-about`}>
        <legend>Start from</legend>
        <p className="muted" id={`${presetId}-about`}>
          A use case sets partitions and configs; change any of them below.
        </p>
        {presetsError ? (
          <ProblemNote error={presetsError} />
        ) : (
          <div className="preset-grid">
            {[...presets, undefined].map((p) => {
              const id = p?.id ?? custom
              return (
                <label key={id} className="preset" data-checked={preset === id}>
                  <input
                    type="radio"
                    name="preset"
                    value={id}
                    checked={preset === id}
                    onChange={() => choose(id)}
                  />
                  <span className="preset-title">{p?.title ?? 'Custom'}</span>
                  <span className="muted preset-about">
                    {p ? presetSummary(p) : 'Choose partitions and every config yourself'}
                  </span>
                </label>
              )
            })}
          </div>
        )}
      </fieldset>
      {chosen && <p className="muted">{chosen.description}.</p>}
      <Field
        label="Name"
        hint={
          prefix
            ? `Kafka name: ${prefix}${name || '<name>'}. Letters, digits, ".", "_" and "-"`
            : 'Letters, digits, ".", "_" and "-"'
        }
        path="name"
        error={problem}
        invalid={invalid.name ?? exists}
      >
        <input
          value={name}
          required
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setName(e.target.value)}
        />
      </Field>
      <div className="grid-2">
        <Field
          label="Partitions"
          hint={
            partitionsLeft === undefined
              ? `${partitionsRange.min} to ${partitionsRange.max}; they can grow later, never shrink`
              : `Your ${quotas?.plan} plan has ${partitionsLeft} of ${quotas?.limits.partitions} partitions left; they can grow later, never shrink`
          }
          path="partitions"
          error={problem}
          invalid={invalid.partitions}
        >
          <input
            type="number"
            min={partitionsRange.min}
            max={partitionsRange.max}
            value={partitions}
            onChange={(e) => setPartitions(e.target.value)}
          />
        </Field>
        <Field
          label="Replication factor"
          hint="Empty: the platform's default. Fixed once created"
          path="replicationFactor"
          error={problem}
          invalid={invalid.replication}
        >
          <input
            type="number"
            min={replicationRange.min}
            max={replicationRange.max}
            placeholder="default"
            value={replication}
            onChange={(e) => setReplication(e.target.value)}
          />
        </Field>
      </div>
      <ConfigEditor
        entries={config}
        onChange={setConfig}
        invalid={invalid.config}
        error={problem}
      />
      {quotas && (
        <p className="muted">
          Longest retention on your {quotas.plan} plan:{' '}
          {formatDuration(quotas.limits.maxRetentionMs)}.
        </p>
      )}
      <DryRunLine
        enabled={allowed && valid}
        checking={dryRun.isFetching || settled !== input}
        fits={Boolean(dryRun.data) && !exists && settled === input}
        kafkaName={`${prefix}${name}`}
      />
      <ProblemNote
        error={problem}
        shownFields={['name', 'partitions', 'replicationFactor', 'config']}
      />
      <div className="row">
        <ActionButton
          org={org}
          operation={operations.create}
          type="submit"
          className="primary"
          disabled={busy}
        >
          Create topic
        </ActionButton>
        <Link
          to="/orgs/$org/clusters/$cluster/topics"
          params={{ org, cluster }}
          search={(s) => ({ ...s, create: undefined, preset: undefined })}
          className="button"
        >
          Cancel
        </Link>
      </div>
    </form>
  )
}

function presetSummary(preset: TopicPreset): string {
  const retention = preset.spec.config['retention.ms']
  const policy = preset.spec.config['cleanup.policy']
  const parts = [`${preset.spec.partitions} partitions`]
  if (policy === 'compact') parts.push('compacted')
  if (retention !== undefined) parts.push(`kept ${formatDuration(String(retention))}`)
  return parts.join(', ')
}

function DryRunLine({
  enabled,
  checking,
  fits,
  kafkaName,
}: {
  enabled: boolean
  checking: boolean
  fits: boolean
  kafkaName: string
}) {
  if (!enabled) return null
  return (
    <p className="muted dry-run" role="status" aria-live="polite">
      {checking
        ? 'Checking with the API…'
        : fits
          ? `✓ The API accepts it: ${kafkaName} fits Kafka's rules and your quota`
          : ''}
    </p>
  )
}

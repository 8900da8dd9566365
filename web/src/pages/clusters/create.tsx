import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate } from '@tanstack/react-router'
import { type FormEvent, useState } from 'react'
import { FjordProblem, fjord, type Schemas, unwrap } from '../../api.ts'
import { orgQuery } from '../../routes/org.tsx'
import { ActionButton } from '../../ui/button.tsx'
import { Dialog } from '../../ui/dialog.tsx'
import { Field } from '../../ui/field.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { useSubmit } from '../../ui/submit.ts'
import { clusterOperations, type Quotas, quotasQuery } from './queries.ts'
import { clusterNameProblem } from './rules.ts'

type ClusterType = Schemas['CreateCluster']['type']
type Provider = NonNullable<Schemas['CreateCluster']['provider']>
type Plan = Schemas['Organization']['plan']

/** The plans that include dedicated clusters; the free plan has shared ones only. */
export const dedicatedPlans: readonly Plan[] = ['startup', 'business']

const dedicatedProviders: { value: Provider; label: string }[] = [
  { value: 'kubernetes', label: "Kubernetes (the platform's own)" },
  { value: 'aws-msk', label: 'Amazon MSK' },
]

/** The quota the org has no room in for one more cluster, as the API would refuse it. */
function clusterQuotaProblem(quotas: Quotas | undefined): FjordProblem | undefined {
  if (!quotas || quotas.use.clusters < quotas.limits.clusters) return undefined
  return new FjordProblem({
    type: 'about:blank',
    title: 'No room for another cluster',
    status: 422,
    code: 'quota_exceeded',
    detail: `The clusters quota allows ${quotas.limits.clusters}; you use ${quotas.use.clusters}`,
    limit: 'clusters',
    current: quotas.use.clusters,
    maximum: quotas.limits.clusters,
    requested: 1,
  })
}

export function CreateClusterDialog({
  org,
  open,
  onOpenChange,
}: {
  org: string
  open: boolean
  onOpenChange: (open: boolean) => void
}) {
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Create a cluster"
      description="Where your topics, consumer groups and service accounts live."
    >
      {open && <CreateClusterForm org={org} onDone={() => onOpenChange(false)} />}
    </Dialog>
  )
}

function CreateClusterForm({ org, onDone }: { org: string; onDone: () => void }) {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const { data: organization } = useQuery(orgQuery(org))
  const { data: quotas } = useQuery(quotasQuery(org))
  const [name, setName] = useState('')
  const [type, setType] = useState<ClusterType>('shared')
  const [provider, setProvider] = useState<Provider>('kubernetes')
  const [region, setRegion] = useState('local')
  const [description, setDescription] = useState('')
  const [touched, setTouched] = useState(false)
  const { error, busy, run } = useSubmit(async () => {
    const created = await unwrap(
      fjord.POST('/v1/orgs/{org}/clusters', {
        params: { path: { org } },
        body: {
          name,
          type,
          region: region.trim(),
          ...(type === 'dedicated' ? { provider } : {}),
          ...(description.trim() ? { description: description.trim() } : {}),
        },
      }),
    )
    await queryClient.invalidateQueries({ queryKey: ['orgs', org, 'clusters'] })
    await queryClient.invalidateQueries({ queryKey: ['orgs', org, 'quotas'] })
    onDone()
    await navigate({
      to: '/orgs/$org/clusters/$cluster',
      params: { org, cluster: created.name },
    })
  })

  const plan = organization?.plan ?? quotas?.plan
  const dedicatedAllowed = plan !== undefined && dedicatedPlans.includes(plan)
  const noRoom = clusterQuotaProblem(quotas)
  const nameInvalid = touched || name ? clusterNameProblem(name) : undefined
  const regionInvalid = region.trim() === '' ? 'A region is needed' : undefined

  const submit = (event: FormEvent) => {
    event.preventDefault()
    setTouched(true)
    if (clusterNameProblem(name) || regionInvalid || noRoom) return
    return run()
  }

  return (
    <form className="form" onSubmit={submit} noValidate>
      <Field
        label="Name"
        hint="Lowercase letters, digits and dashes, e.g. shop. It is part of the Kafka prefix"
        path="name"
        error={error}
        invalid={nameInvalid}
      >
        <input
          value={name}
          required
          autoComplete="off"
          spellCheck={false}
          maxLength={40}
          onChange={(e) => setName(e.target.value.toLowerCase())}
        />
      </Field>
      <fieldset className="cluster-type">
        <legend>Type</legend>
        <label className="choice">
          <input
            type="radio"
            name="type"
            value="shared"
            checked={type === 'shared'}
            onChange={() => setType('shared')}
          />
          <span>
            <strong>Shared</strong>
            <span className="muted">
              {' '}
              — on the platform's Kafka, isolated by prefix and ACLs; ready in seconds.
              {name && !clusterNameProblem(name) && (
                <>
                  {' '}
                  Kafka prefix: <code>{`${org}-${name}.`}</code>
                </>
              )}
            </span>
          </span>
        </label>
        <label className="choice" data-disabled={!dedicatedAllowed}>
          <input
            type="radio"
            name="type"
            value="dedicated"
            checked={type === 'dedicated'}
            disabled={!dedicatedAllowed}
            aria-describedby="dedicated-why"
            onChange={() => setType('dedicated')}
          />
          <span>
            <strong>Dedicated</strong>
            <span className="muted"> — Kafka brokers of its own, no prefix.</span>
            <span className="hint" id="dedicated-why">
              {plan === undefined
                ? ' Checking your plan…'
                : dedicatedAllowed
                  ? ` Included in your ${plan} plan.`
                  : ` Not on the ${plan} plan: dedicated clusters come with the startup and business plans. `}
              {plan !== undefined && !dedicatedAllowed && (
                <Link to="/orgs/$org/quotas" params={{ org }}>
                  See your plan
                </Link>
              )}
            </span>
          </span>
        </label>
      </fieldset>
      {type === 'dedicated' && (
        <Field label="Provider" path="provider" error={error}>
          <select value={provider} onChange={(e) => setProvider(e.target.value as Provider)}>
            {dedicatedProviders.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field
        label="Region"
        hint="Where it runs: a shared cluster goes on a Kafka pool of this region (the API's default is local)"
        path="region"
        error={error}
        invalid={regionInvalid}
      >
        <input value={region} maxLength={64} onChange={(e) => setRegion(e.target.value)} />
      </Field>
      <Field label="Description (optional)" path="description" error={error}>
        <input
          value={description}
          maxLength={500}
          onChange={(e) => setDescription(e.target.value)}
        />
      </Field>
      {quotas && !noRoom && (
        <p className="muted">
          Clusters: {quotas.use.clusters} of {quotas.limits.clusters} on the {quotas.plan} plan.
        </p>
      )}
      <ProblemNote
        error={error ?? noRoom}
        shownFields={['name', 'type', 'provider', 'region', 'description']}
      />
      <div className="row">
        <ActionButton
          org={org}
          operation={clusterOperations.create}
          type="submit"
          className="primary"
          disabled={busy || Boolean(noRoom)}
        >
          {busy ? 'Creating…' : 'Create cluster'}
        </ActionButton>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}

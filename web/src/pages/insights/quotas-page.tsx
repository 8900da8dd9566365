import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link, Outlet } from '@tanstack/react-router'
import { useState } from 'react'
import { fjord, type Schemas, unwrap } from '../../api.ts'
import { ActionButton } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import { Meter, PageHeader } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { PartialNote, QueryState } from '../../ui/states.tsx'
import { formatBytes, formatCount, formatSpan, percentOf } from './format.ts'
import { quotasQuery } from './queries.ts'

const layout = getRouteApi('/app/orgs/$org/quotas')

/** Quotas and usage: the page's title and its two tabs. */
export function QuotasLayout() {
  const { org } = layout.useParams()
  return (
    <>
      <PageHeader title="Quotas and usage" />
      <nav className="tabs" aria-label="Quotas and usage">
        <Link to="/orgs/$org/quotas" params={{ org }} activeOptions={{ exact: true }}>
          Limits
        </Link>
        <Link to="/orgs/$org/quotas/usage" params={{ org }}>
          Usage
        </Link>
      </nav>
      <Outlet />
    </>
  )
}

type Limited = Exclude<keyof Schemas['QuotaLimits'], 'maxRetentionMs'>

/** Each limit of the plan: what it counts, how its numbers read, and what frees room under it. */
const limits: {
  key: Limited
  label: string
  counts: string
  format: (value: number) => string
  relief: string
}[] = [
  {
    key: 'clusters',
    label: 'Clusters',
    counts: 'Clusters of the organization',
    format: formatCount,
    relief: 'Delete a cluster you no longer use.',
  },
  {
    key: 'topics',
    label: 'Topics',
    counts: 'Topics across all clusters',
    format: formatCount,
    relief: 'Delete topics you no longer need.',
  },
  {
    key: 'partitions',
    label: 'Partitions',
    counts: "The sum of every topic's partitions",
    format: formatCount,
    relief:
      'Delete topics you no longer need; a topic cannot lose partitions, so give new topics fewer.',
  },
  {
    key: 'storageBytes',
    label: 'Storage',
    counts: 'Bytes on the brokers, as metering last measured them',
    format: formatBytes,
    relief: 'Lower retention.ms or retention.bytes on the largest topics, or delete topics.',
  },
  {
    key: 'ingressBytesPerSecond',
    label: 'Produce rate',
    counts: 'Bytes in per second, averaged over the last hour metered',
    format: (value) => `${formatBytes(value)}/s`,
    relief: 'Kafka throttles producers beyond it: compress (compression.type) and batch.',
  },
  {
    key: 'egressBytesPerSecond',
    label: 'Consume rate',
    counts: 'Bytes out per second, averaged over the last hour metered',
    format: (value) => `${formatBytes(value)}/s`,
    relief: 'Kafka throttles consumers beyond it: read less often or with fewer consumers.',
  },
]

const nearShare = 0.8

const quotasRoute = getRouteApi('/app/orgs/$org/quotas/')

/** Each limit of the org's plan with its current use as a bar, and what to do near one. */
export function QuotasPage() {
  const { org } = quotasRoute.useParams()
  const query = useQuery(quotasQuery(org))
  return (
    <QueryState query={query} what="quotas">
      {(quotas) => {
        const near = limits.filter(
          ({ key }) => quotas.use[key] >= quotas.limits[key] * nearShare && quotas.limits[key] > 0,
        )
        return (
          <div className="stack">
            {query.error && (
              <PartialNote>
                The last refresh failed, so these figures may be out of date. They refresh every
                minute.
              </PartialNote>
            )}
            {near.length > 0 && <NearLimits near={near} quotas={quotas} />}
            <section aria-labelledby="limits-title" className="stack ins-section">
              <h2 id="limits-title">
                Limits of the <span className="ins-plan">{quotas.plan}</span> plan
              </h2>
              <ul className="ins-limits">
                {limits.map((limit) => (
                  <LimitCard
                    key={limit.key}
                    limit={limit}
                    used={quotas.use[limit.key]}
                    maximum={quotas.limits[limit.key]}
                  />
                ))}
                <li className="card ins-limit" data-testid="quota-maxRetentionMs">
                  <h3>Longest retention</h3>
                  <p className="ins-figure">{formatSpan(quotas.limits.maxRetentionMs)}</p>
                  <p className="muted">
                    The most a topic's retention.ms may be; infinite retention is not allowed.
                  </p>
                </li>
              </ul>
            </section>
            <PlanChange org={org} plan={quotas.plan} />
          </div>
        )
      }}
    </QueryState>
  )
}

function LimitCard({
  limit,
  used,
  maximum,
}: {
  limit: (typeof limits)[number]
  used: number
  maximum: number
}) {
  const percent = percentOf(used, maximum)
  return (
    <li className="card ins-limit" data-testid={`quota-${limit.key}`}>
      <h3>{limit.label}</h3>
      <Meter label={limit.label} used={used} maximum={maximum} />
      <p className="ins-figure">
        <span data-testid="use">{limit.format(used)}</span> of{' '}
        <span data-testid="maximum">{limit.format(maximum)}</span>{' '}
        <span className="muted">({percent} %)</span>
      </p>
      <p className="muted">{limit.counts}</p>
    </li>
  )
}

function NearLimits({
  near,
  quotas,
}: {
  near: (typeof limits)[number][]
  quotas: Schemas['Quotas']
}) {
  return (
    <div className="note warn" role="status" data-testid="near-limits">
      <strong>
        {near.length === 1 ? 'One limit is' : `${near.length} limits are`} at {nearShare * 100} % or
        more
      </strong>
      <ul>
        {near.map((limit) => (
          <li key={limit.key}>
            {limit.label}: {limit.format(quotas.use[limit.key])} of{' '}
            {limit.format(quotas.limits[limit.key])}. {limit.relief}
          </li>
        ))}
      </ul>
      <p>
        Or move the organization to a larger plan below. A write that would pass a limit is refused
        with the limit, the use and the maximum.
      </p>
    </div>
  )
}

const plans: Schemas['Quotas']['plan'][] = ['free', 'startup', 'business']

/** The owner moves the org to another plan; a downgrade the current use does not fit is refused. */
function PlanChange({ org, plan }: { org: string; plan: Schemas['Quotas']['plan'] }) {
  const [chosen, setChosen] = useState(plan)
  const queryClient = useQueryClient()
  const change = useMutation({
    mutationFn: () =>
      unwrap(fjord.PATCH('/v1/orgs/{org}', { params: { path: { org } }, body: { plan: chosen } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['orgs', org] }),
  })
  return (
    <section aria-labelledby="plan-title" className="card stack ins-section">
      <h2 id="plan-title">Plan</h2>
      <p>
        The organization is on the <strong>{plan}</strong> plan. Only its owner can change it; a
        downgrade must fit what the organization uses now.
      </p>
      <form
        className="row ins-plan-form"
        onSubmit={(event) => {
          event.preventDefault()
          change.mutate()
        }}
      >
        <Field label="New plan" path="plan" error={change.error}>
          <select
            value={chosen}
            onChange={(event) => {
              setChosen(event.target.value as typeof plan)
              change.reset()
            }}
          >
            {plans.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </Field>
        <ActionButton
          org={org}
          operation="PATCH /v1/orgs/{org}"
          type="submit"
          disabled={chosen === plan || change.isPending}
        >
          {change.isPending ? 'Changing…' : 'Change plan'}
        </ActionButton>
      </form>
      {change.isSuccess && (
        <p className="note ok" role="status">
          The organization is now on the {change.data.plan} plan.
        </p>
      )}
      <ProblemNote error={change.error} shownFields={['plan']} />
    </section>
  )
}

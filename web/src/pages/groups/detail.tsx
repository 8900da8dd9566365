import { useQuery } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { FjordProblem } from '../../api.ts'
import { NotFound } from '../../ui/not-found.tsx'
import { StatusBadge } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, Loading, PartialNote, StaleNote } from '../../ui/states.tsx'
import { formatCount, partitionsInWords, unansweredPartitions } from './lag.ts'
import { type Group, groupQuery, liveIntervalMs } from './queries.ts'
import { OffsetResetPanel } from './reset.tsx'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/groups/$group')

/** One group: its members, its lag per partition, and the reset of its offsets. */
export function GroupPage() {
  const { org, cluster, group: name } = route.useParams()
  const query = useQuery({ ...groupQuery(org, cluster, name), refetchInterval: liveIntervalMs })
  const group = query.data
  const params = { org, cluster }
  if (query.error instanceof FjordProblem && query.error.status === 404) return <NotFound />

  return (
    <section className="stack" aria-labelledby="group-title">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/orgs/$org/clusters/$cluster/groups" params={params}>
          Consumer groups
        </Link>
      </nav>
      <div className="row grp-title">
        <h2 id="group-title">{name}</h2>
        {group && <StatusBadge status={group.state} />}
      </div>
      {query.isPending ? (
        <Loading what="the group" />
      ) : !group ? (
        <ProblemNote error={query.error} />
      ) : (
        <>
          <StaleNote error={query.error} what="what shows" />
          <GroupSummary org={org} cluster={cluster} group={group} />
          <Members group={group} />
          <Partitions org={org} cluster={cluster} group={group} />
          <OffsetResetPanel org={org} cluster={cluster} group={group} />
        </>
      )}
    </section>
  )
}

/** The group's lag; with partitions of unknown lag, what is known of it. */
function totalLagInWords(group: Group): string {
  if (group.lag !== null) return `${formatCount(group.lag)} messages`
  const known = group.partitions.flatMap((p) => (p.lag === null ? [] : [p.lag]))
  if (known.length === 0) return 'unknown'
  return `at least ${formatCount(known.reduce((sum, lag) => sum + lag, 0))} messages`
}

function GroupSummary({ org, cluster, group }: { org: string; cluster: string; group: Group }) {
  return (
    <dl className="grp-facts card">
      <div>
        <dt>State</dt>
        <dd>{group.state}</dd>
      </div>
      <div>
        <dt>Members</dt>
        <dd>{group.memberCount}</dd>
      </div>
      <div>
        <dt>Total lag</dt>
        <dd data-testid="total-lag">{totalLagInWords(group)}</dd>
      </div>
      <div>
        <dt>Assignor</dt>
        <dd>{group.assignor || '—'}</dd>
      </div>
      <div>
        <dt>Topics</dt>
        <dd className="row">
          {group.topics.length === 0
            ? 'none'
            : group.topics.map((topic) => (
                <Link
                  key={topic}
                  to="/orgs/$org/clusters/$cluster/topics/$topic"
                  params={{ org, cluster, topic }}
                >
                  {topic}
                </Link>
              ))}
        </dd>
      </div>
    </dl>
  )
}

function Members({ group }: { group: Group }) {
  return (
    <section aria-labelledby="members-title">
      <h3 id="members-title">Members</h3>
      {group.members.length === 0 ? (
        <Empty>No consumer of this group is running.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Client id</th>
                <th scope="col">Host</th>
                <th scope="col">Assigned partitions</th>
                <th scope="col">Member id</th>
              </tr>
            </thead>
            <tbody>
              {group.members.map((member) => (
                <tr key={member.memberId}>
                  <td>{member.clientId}</td>
                  <td className="mono">{member.host}</td>
                  <td>
                    {member.assignments.length === 0
                      ? 'none'
                      : member.assignments
                          .map(({ topic, partitions }) => `${topic}: ${partitions.join(', ')}`)
                          .join('; ')}
                  </td>
                  <td className="mono grp-small">
                    {member.memberId}
                    {member.instanceId && (
                      <span className="muted"> (static: {member.instanceId})</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function Partitions({ org, cluster, group }: { org: string; cluster: string; group: Group }) {
  const unanswered = unansweredPartitions(group.partitions)
  const clientOf = new Map(group.members.map((m) => [m.memberId, m.clientId]))
  return (
    <section aria-labelledby="partitions-title" className="stack">
      <h3 id="partitions-title">Lag per partition</h3>
      {unanswered.size > 0 && (
        <PartialNote>
          <strong>Partial result</strong>
          Kafka did not tell the end offset of {partitionsInWords(unanswered)}, so their lag is
          unknown; the other partitions are current. It refreshes every {liveIntervalMs / 1000} s.
        </PartialNote>
      )}
      {group.partitions.length === 0 ? (
        <Empty>The group has committed no offset and has no partition assigned.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col" className="num">
                  Partition
                </th>
                <th scope="col" className="num">
                  Committed offset
                </th>
                <th scope="col" className="num">
                  End offset
                </th>
                <th scope="col" className="num">
                  Lag
                </th>
                <th scope="col">Consumer</th>
              </tr>
            </thead>
            <tbody>
              {group.partitions.map((row) => (
                <tr key={`${row.topic}/${row.partition}`} data-testid="partition-row">
                  <td>
                    <Link
                      to="/orgs/$org/clusters/$cluster/topics/$topic"
                      params={{ org, cluster, topic: row.topic }}
                    >
                      {row.topic}
                    </Link>
                  </td>
                  <td className="num">{row.partition}</td>
                  <td className="num">
                    {row.committedOffset === null ? (
                      <span className="muted">none yet</span>
                    ) : (
                      formatCount(row.committedOffset)
                    )}
                  </td>
                  <td className="num">
                    {row.endOffset === null ? (
                      <span className="muted">no answer</span>
                    ) : (
                      formatCount(row.endOffset)
                    )}
                  </td>
                  <td className="num">
                    {row.lag === null ? (
                      <span className="muted">unknown</span>
                    ) : (
                      formatCount(row.lag)
                    )}
                  </td>
                  <td>
                    {row.memberId ? (
                      (clientOf.get(row.memberId) ?? row.memberId)
                    ) : (
                      <span className="muted">unassigned</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

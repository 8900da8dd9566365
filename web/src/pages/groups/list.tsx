import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { clusterQuery } from '../../routes/org.tsx'
import { StatusBadge } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, Loading, PartialNote, ShowMore, StaleNote } from '../../ui/states.tsx'
import { formatCount } from './lag.ts'
import { type GroupSummary, groupsQuery, liveIntervalMs } from './queries.ts'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/groups')

/** The cluster's consumer groups with state, members and total lag, refreshed as they move. */
export function GroupsPage() {
  const { org, cluster } = route.useParams()
  const { topic } = route.useSearch()
  const { data: shown } = useQuery(clusterQuery(org, cluster))
  const ready = shown?.status.phase === 'Ready'
  const query = useInfiniteQuery({
    ...groupsQuery(org, cluster, topic),
    enabled: ready,
    refetchInterval: liveIntervalMs,
  })
  const groups = query.data?.pages.flatMap((page) => page.items) ?? []
  const unknownLag = groups.filter((group) => group.lag === null)

  return (
    <section className="stack" aria-labelledby="groups-title">
      <div className="row grp-spread grp-title">
        <h2 id="groups-title">Consumer groups</h2>
        <span className="muted">Lag refreshes every {liveIntervalMs / 1000} s</span>
      </div>
      {topic && (
        <p className="row">
          Only the groups that committed offsets on topic <code>{topic}</code>.
          <Link to="/orgs/$org/clusters/$cluster/groups" params={{ org, cluster }}>
            Show all groups
          </Link>
        </p>
      )}
      {!shown ? (
        <Loading what="the cluster" />
      ) : !ready ? (
        <Empty>
          Consumer groups show here once the cluster is Ready (it is {shown.status.phase} now).
        </Empty>
      ) : query.isPending ? (
        <Loading what="consumer groups" />
      ) : query.error && groups.length === 0 ? (
        <ProblemNote error={query.error} />
      ) : groups.length === 0 ? (
        <Empty>
          <strong>No consumer groups{topic ? ` on ${topic}` : ''} yet.</strong>
          <p>
            A group appears here once one of its consumers commits an offset. Its{' '}
            <code>group.id</code> starts with the cluster's prefix <code>{shown.kafkaPrefix}</code>{' '}
            (for example <code>{shown.kafkaPrefix}orders-readers</code>), and its service account
            needs <em>read</em> on the group; see Service accounts.
          </p>
        </Empty>
      ) : (
        <>
          <StaleNote error={query.error} what="this list" />
          {unknownLag.length > 0 && (
            <PartialNote>
              The lag of {unknownLag.length === 1 ? 'one group' : `${unknownLag.length} groups`} is
              unknown: Kafka did not tell the end offset of some partitions, or the group has not
              committed on some yet. The rest of the list is current.
            </PartialNote>
          )}
          <GroupTable org={org} cluster={cluster} groups={groups} />
          <ShowMore query={query} what="groups" />
        </>
      )}
    </section>
  )
}

function GroupTable({
  org,
  cluster,
  groups,
}: {
  org: string
  cluster: string
  groups: GroupSummary[]
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Consumer groups</caption>
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              Members
            </th>
            <th scope="col">Topics</th>
            <th scope="col" className="num">
              Total lag
            </th>
          </tr>
        </thead>
        <tbody>
          {groups.map((group) => (
            <tr key={group.name} data-testid={`group-${group.name}`}>
              <td>
                <Link
                  to="/orgs/$org/clusters/$cluster/groups/$group"
                  params={{ org, cluster, group: group.name }}
                >
                  {group.name}
                </Link>
              </td>
              <td>
                <StatusBadge status={group.state} />
              </td>
              <td className="num">{group.memberCount}</td>
              <td>{group.topics.join(', ') || <span className="muted">none</span>}</td>
              <td className="num" data-testid="lag">
                {group.lag === null ? (
                  <span className="muted">unknown</span>
                ) : (
                  formatCount(group.lag)
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

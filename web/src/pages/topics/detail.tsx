import { useQuery, useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { useState } from 'react'
import { FjordProblem, fjord, unwrap } from '../../api.ts'
import { ActionButton } from '../../ui/button.tsx'
import { CopyButton } from '../../ui/copy.tsx'
import { ConfirmDelete } from '../../ui/dialog.tsx'
import { StatusBadge } from '../../ui/page.tsx'
import { problemOf } from '../../ui/problem.tsx'
import { Loading, PartialNote, QueryState } from '../../ui/states.tsx'
import { Conditions } from '../clusters/conditions.tsx'
import { EditTopicForm } from './edit.tsx'
import { readableConfig } from './format.ts'
import { operations, type Topic, topicGroupsQuery, topicQuery, topicsKey } from './queries.ts'
import { allowedConfigKeys, topicConfigKeys } from './rules.ts'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/topics/$topic')

export function TopicPage() {
  const { org, cluster, topic } = route.useParams()
  const { edit } = route.useSearch()
  const query = useQuery({
    ...topicQuery(org, cluster, topic),
    // Live status until it settles; a deleted topic is asked for until it is gone.
    refetchInterval: (q) => {
      const phase = q.state.data?.value.status.phase
      return phase === 'Ready' ? 30_000 : phase === 'Failed' ? 10_000 : 2_000
    },
    retry: false,
  })
  const gone = query.error instanceof FjordProblem && query.error.status === 404
  if (gone) {
    return (
      <div className="stack">
        <h2>{topic}</h2>
        <p role="status">This topic no longer exists.</p>
        <p>
          <Link to="/orgs/$org/clusters/$cluster/topics" params={{ org, cluster }}>
            Back to the topics
          </Link>
        </p>
      </div>
    )
  }
  return (
    <QueryState query={query} what="the topic">
      {({ value, etag }) =>
        edit ? (
          <EditTopicForm org={org} cluster={cluster} topic={value} etag={etag} />
        ) : (
          <TopicView org={org} cluster={cluster} topic={value} />
        )
      }
    </QueryState>
  )
}

function TopicView({ org, cluster, topic }: { org: string; cluster: string; topic: Topic }) {
  const navigate = route.useNavigate()
  const queryClient = useQueryClient()
  const [deleting, setDeleting] = useState(false)
  const params = { org, cluster, topic: topic.name }
  const isDeleting = topic.status.phase === 'Deleting'
  return (
    <div className="stack topic-detail">
      <div className="page-header">
        <div>
          <nav className="breadcrumbs" aria-label="Topic">
            <Link to="/orgs/$org/clusters/$cluster/topics" params={{ org, cluster }}>
              Topics
            </Link>
          </nav>
          <h2 className="row topic-title">
            {topic.name} <StatusBadge status={topic.status.phase} />
          </h2>
        </div>
        <div className="row">
          <Link
            to="/orgs/$org/clusters/$cluster/topics/$topic/messages"
            params={params}
            className="button"
          >
            Messages
          </Link>
          <ActionButton
            org={org}
            operation={operations.edit}
            disabled={isDeleting}
            onClick={() => navigate({ search: { edit: true } })}
          >
            Edit
          </ActionButton>
          <ActionButton
            org={org}
            operation={operations.remove}
            className="danger"
            disabled={isDeleting}
            onClick={() => setDeleting(true)}
          >
            Delete
          </ActionButton>
        </div>
      </div>
      <dl className="facts">
        <div>
          <dt>Partitions</dt>
          <dd>{topic.partitions}</dd>
        </div>
        <div>
          <dt>Replication factor</dt>
          <dd>{topic.replicationFactor}</dd>
        </div>
        <div>
          <dt>Kafka name</dt>
          <dd className="row">
            <code>{topic.kafkaName}</code>
            <CopyButton text={topic.kafkaName} label="Copy name" />
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={topic.createdAt}>{new Date(topic.createdAt).toLocaleString()}</time>
          </dd>
        </div>
      </dl>
      <Conditions status={topic.status} />
      <ConfigTables config={topic.config} />
      <TopicGroups org={org} cluster={cluster} topic={topic.name} />
      <ConfirmDelete
        open={deleting}
        onOpenChange={setDeleting}
        kind="topic"
        name={topic.name}
        consequence={`Kafka deletes ${topic.kafkaName} with every message in it. Consumers reading it stop getting messages. This cannot be undone.`}
        onConfirm={async () => {
          await unwrap(
            fjord.DELETE('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
              params: { path: params },
            }),
          )
          await queryClient.invalidateQueries({ queryKey: topicsKey(org, cluster) })
          await queryClient.invalidateQueries({ queryKey: ['orgs', org, 'quotas'] })
          await navigate({ to: '/orgs/$org/clusters/$cluster/topics', params: { org, cluster } })
        }}
      />
    </div>
  )
}

/** What the user set, apart from Kafka's defaults for everything else a topic may set. */
function ConfigTables({ config }: { config: Record<string, string> }) {
  const own = Object.keys(config).sort()
  const defaults = allowedConfigKeys.filter((key) => !(key in config))
  return (
    <section className="stack" aria-labelledby="topic-configs">
      <h3 id="topic-configs">Configs</h3>
      <div className="table-wrap">
        <table aria-label="Configs set on this topic">
          <caption className="caption">Set on this topic</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Kafka's default</th>
            </tr>
          </thead>
          <tbody>
            {own.length === 0 && (
              <tr>
                <td colSpan={3} className="muted">
                  None: every config is Kafka's default.
                </td>
              </tr>
            )}
            {own.map((key) => (
              <tr key={key}>
                <td>
                  <code>{key}</code>
                </td>
                <td>
                  <ConfigValue name={key} value={config[key] ?? ''} />
                </td>
                <td className="muted">
                  <ConfigValue name={key} value={topicConfigKeys[key]?.kafkaDefault ?? '?'} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details className="defaults">
        <summary>Kafka's defaults for the other {defaults.length} configs</summary>
        <p className="muted">
          Kafka 4's own defaults; the platform's brokers may set some otherwise.
        </p>
        <div className="table-wrap">
          <table aria-label="Kafka's defaults">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Default</th>
                <th scope="col">What it does</th>
              </tr>
            </thead>
            <tbody>
              {defaults.map((key) => (
                <tr key={key}>
                  <td>
                    <code>{key}</code>
                  </td>
                  <td>
                    <ConfigValue name={key} value={topicConfigKeys[key]?.kafkaDefault ?? ''} />
                  </td>
                  <td className="muted">{topicConfigKeys[key]?.about}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  )
}

function ConfigValue({ name, value }: { name: string; value: string }) {
  const readable = readableConfig(name, value)
  return (
    <span>
      <code>{value}</code>
      {readable && <span className="muted"> ({readable})</span>}
    </span>
  )
}

/** The groups that committed offsets on the topic, with their lag; a note when Kafka fails. */
function TopicGroups({ org, cluster, topic }: { org: string; cluster: string; topic: string }) {
  const query = useQuery({ ...topicGroupsQuery(org, cluster, topic), retry: false })
  return (
    <section className="stack" aria-labelledby="topic-groups">
      <h3 id="topic-groups">Consumer groups reading this topic</h3>
      {query.isPending ? (
        <Loading what="consumer groups" />
      ) : query.isError ? (
        <PartialNote>
          The consumer groups could not be listed: {problemOf(query.error).detail}. The rest of the
          page is current.
        </PartialNote>
      ) : query.data.items.length === 0 ? (
        <p className="muted">No consumer group has committed offsets on this topic.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Members
                </th>
                <th scope="col" className="num">
                  Lag (all its topics)
                </th>
              </tr>
            </thead>
            <tbody>
              {query.data.items.map((group) => (
                <tr key={group.name}>
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
                  <td className="num">
                    {group.lag === null ? <span className="muted">unknown</span> : group.lag}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {query.data.nextCursor && (
            <p className="muted">
              The first 100 groups by name;{' '}
              <Link to="/orgs/$org/clusters/$cluster/groups" params={{ org, cluster }}>
                see them all
              </Link>
              .
            </p>
          )}
        </div>
      )}
    </section>
  )
}

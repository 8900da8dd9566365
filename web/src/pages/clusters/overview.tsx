import { useQuery, useQueryClient } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { Tabs } from 'radix-ui'
import { useState } from 'react'
import { fjord, unwrap } from '../../api.ts'
import { clusterQuery } from '../../routes/org.tsx'
import { ActionButton } from '../../ui/button.tsx'
import { CopyButton } from '../../ui/copy.tsx'
import { ConfirmDelete } from '../../ui/dialog.tsx'
import { StatusBadge } from '../../ui/page.tsx'
import { QueryState } from '../../ui/states.tsx'
import { Conditions } from './conditions.tsx'
import { type Cluster, clusterOperations } from './queries.ts'
import { type Connection, snippet, snippetLanguages, snippetTitles } from './snippets.ts'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/')

/** A cluster: how to reach it, its Kafka prefix, its status, and deleting it. */
export function ClusterOverview() {
  const { org, cluster } = route.useParams()
  // The cluster layout above refetches it while it provisions; this reads the same query.
  const query = useQuery(clusterQuery(org, cluster))
  return (
    <QueryState query={query} what="the cluster">
      {(shown) => <Overview org={org} cluster={shown} />}
    </QueryState>
  )
}

function Overview({ org, cluster }: { org: string; cluster: Cluster }) {
  const [deleting, setDeleting] = useState(false)
  const navigate = route.useNavigate()
  const queryClient = useQueryClient()
  const isDeleting = cluster.status.phase === 'Deleting'
  return (
    <div className="stack cluster-overview">
      <dl className="facts">
        <div>
          <dt>Bootstrap servers</dt>
          <dd>
            {cluster.bootstrapServers ? (
              <span className="row">
                <code data-testid="bootstrap-servers">{cluster.bootstrapServers}</code>
                <CopyButton text={cluster.bootstrapServers} label="Copy servers" />
              </span>
            ) : (
              <span className="muted">Not yet: they come once the cluster is Ready</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Kafka prefix</dt>
          <dd>
            {cluster.kafkaPrefix ? (
              <span className="row">
                <code data-testid="kafka-prefix">{cluster.kafkaPrefix}</code>
                <CopyButton text={cluster.kafkaPrefix} label="Copy prefix" />
              </span>
            ) : (
              <span className="muted">None: the cluster is yours alone</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Type</dt>
          <dd>
            {cluster.type === 'shared' ? 'Shared' : `Dedicated (${cluster.provider})`}, region{' '}
            {cluster.region}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={cluster.status.phase} />
          </dd>
        </div>
      </dl>
      {cluster.kafkaPrefix && (
        <p className="muted prefix-note">
          Kafka sees every topic, consumer group, transactional id and user of this cluster with the
          prefix <code>{cluster.kafkaPrefix}</code>: the console and the API name them without it,
          clients with it (topic <code>orders</code> is <code>{cluster.kafkaPrefix}orders</code> in
          Kafka).
        </p>
      )}
      {cluster.description && <p>{cluster.description}</p>}

      <section aria-labelledby="cluster-status" className="stack">
        <h2 id="cluster-status">Status</h2>
        <Conditions status={cluster.status} />
      </section>

      <ConnectSnippets org={org} cluster={cluster} />

      <section aria-labelledby="cluster-danger" className="stack">
        <h2 id="cluster-danger">Delete the cluster</h2>
        <p className="muted">
          Its topics with their messages, and its service accounts with their credentials, go with
          it.
        </p>
        <div>
          <ActionButton
            org={org}
            operation={clusterOperations.remove}
            className="danger"
            disabled={isDeleting}
            title={isDeleting ? 'It is being deleted' : undefined}
            onClick={() => setDeleting(true)}
          >
            {isDeleting ? 'Being deleted…' : 'Delete cluster'}
          </ActionButton>
        </div>
      </section>
      <ConfirmDelete
        open={deleting}
        onOpenChange={setDeleting}
        kind="cluster"
        name={cluster.name}
        consequence={`Deletes ${cluster.name} with every topic and message in it, and its service accounts: clients using them can no longer connect. This cannot be undone.`}
        onConfirm={async () => {
          await unwrap(
            fjord.DELETE('/v1/orgs/{org}/clusters/{cluster}', {
              params: { path: { org, cluster: cluster.name } },
            }),
          )
          await queryClient.invalidateQueries({ queryKey: ['orgs', org, 'clusters'] })
          await queryClient.invalidateQueries({ queryKey: ['orgs', org, 'quotas'] })
          await navigate({ to: '/orgs/$org/clusters', params: { org } })
        }}
      />
    </div>
  )
}

function ConnectSnippets({ org, cluster }: { org: string; cluster: Cluster }) {
  const connection: Connection = {
    bootstrapServers: cluster.bootstrapServers ?? '<bootstrap servers, once Ready>',
    kafkaPrefix: cluster.kafkaPrefix,
    securityProtocol: 'SASL_PLAINTEXT',
    username: `${cluster.kafkaPrefix}<service-account>`,
    password: '<password>',
  }
  return (
    <section aria-labelledby="cluster-connect" className="stack">
      <h2 id="cluster-connect">Connect a client</h2>
      <p className="muted">
        Clients log in with SASL/SCRAM-SHA-512 as a service account. Create one, with the topics it
        may use, in{' '}
        <Link
          to="/orgs/$org/clusters/$cluster/service-accounts"
          params={{ org, cluster: cluster.name }}
        >
          Service accounts
        </Link>
        : its credential comes with its username and password filled in, shown once. These use
        SASL_PLAINTEXT; where the platform's Kafka takes TLS, use SASL_SSL, as that credential's
        configuration says.
      </p>
      <Tabs.Root defaultValue="kcat" className="snippets">
        <Tabs.List aria-label="Client" className="snippet-tabs">
          {snippetLanguages.map((language) => (
            <Tabs.Trigger key={language} value={language}>
              {snippetTitles[language]}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        {snippetLanguages.map((language) => {
          const text = snippet(language, connection)
          return (
            <Tabs.Content key={language} value={language} className="snippet">
              <div className="snippet-copy">
                <CopyButton text={text} label={`Copy ${snippetTitles[language]}`} />
              </div>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling code block must take focus to scroll by keyboard */}
              <pre tabIndex={0}>
                <code>{text}</code>
              </pre>
            </Tabs.Content>
          )
        })}
      </Tabs.Root>
    </section>
  )
}

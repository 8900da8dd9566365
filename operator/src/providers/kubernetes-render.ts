import { KafkaClusters } from '@fjord/contract/resources'
import type { ApplyObject } from '@fjord/kube/apply'
import type { OwnerReference } from '@fjord/kube/client'
import { controllerReference } from '@fjord/kube/resources'
import { platformMechanism, tenantMechanism } from '../kafka/scram.ts'
import type { Cluster } from './provider.ts'

/**
 * Pure rendering of a dedicated KRaft cluster (provider kubernetes) from its KafkaCluster:
 * no I/O here, so every object the operator applies is covered by unit tests.
 */

export const CLIENT_PORT = 9092
export const CONTROLLER_PORT = 9093
/** Dedicated controllers get node ids from here on, so broker ids never depend on them. */
export const CONTROLLER_ID_OFFSET = 1000
export const CONFIG_DIR = '/etc/kafka/fjord'
export const DATA_DIR = '/var/lib/kafka/data'

/** The CRD's defaults, for objects that never went through the apiserver. */
export const defaults = { brokers: 3, controllers: 0, storage: '10Gi', version: '4.1.1' } as const

export interface RenderOptions {
  /** Image repository; the tag is `spec.dedicated.version`. */
  image: string
  /** The cluster's DNS domain, for the names brokers advertise. */
  clusterDomain: string
  /** The Kafka super user the operator creates and stores in the admin Secret. */
  adminUsername: string
}

export const defaultRenderOptions: RenderOptions = {
  image: 'apache/kafka',
  clusterDomain: 'cluster.local',
  adminUsername: 'admin',
}

export type Role = 'broker' | 'controller'

/** Everything the objects are rendered from, with the CRD defaults filled in. */
export interface Layout {
  name: string
  namespace: string
  brokers: number
  /** 0: combined broker+controller nodes; otherwise a StatefulSet of dedicated controllers. */
  controllers: number
  storage: string
  version: string
  resources: { cpu?: string; memory?: string }
  /** How many of the first broker pods also run a controller (combined mode only). */
  combinedVoters: number
  options: RenderOptions
  owner: OwnerReference
}

export function layoutOf(cluster: Cluster, options: RenderOptions = defaultRenderOptions): Layout {
  const d = cluster.spec.dedicated ?? {}
  const brokers = d.brokers ?? defaults.brokers
  const controllers = d.controllers ?? defaults.controllers
  return {
    name: cluster.metadata.name,
    namespace: cluster.metadata.namespace ?? 'default',
    brokers,
    controllers,
    storage: d.storage ?? defaults.storage,
    version: d.version ?? defaults.version,
    resources: d.resources ?? {},
    // A quorum of 2 fails with either node; one voter or three, never more in combined mode,
    // so that adding brokers never changes the quorum.
    combinedVoters: controllers > 0 ? 0 : brokers >= 3 ? 3 : 1,
    options,
    owner: controllerReference(KafkaClusters, cluster),
  }
}

export function namesOf(cluster: string) {
  return {
    config: `${cluster}-kafka-config`,
    adminSecret: `${cluster}-kafka-admin`,
    headless: `${cluster}-kafka-nodes`,
    bootstrap: `${cluster}-kafka-bootstrap`,
    statefulSet: (role: Role) => `${cluster}-${role}`,
    pdb: (role: Role) => `${cluster}-${role}`,
  }
}

/**
 * A StatefulSet's name goes into its pods' controller-revision-hash label (63 characters
 * with an 11-character suffix), a Service's name into a DNS label (63).
 */
export const MAX_CLUSTER_NAME = 63 - '-controller'.length - 11

export function nameTooLong(cluster: string): string | undefined {
  return cluster.length > MAX_CLUSTER_NAME
    ? `cluster name ${cluster} is ${cluster.length} characters; the names of its StatefulSets and Services fit at most ${MAX_CLUSTER_NAME}`
    : undefined
}

export function labelsOf(layout: Layout, component?: Role): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'kafka',
    'app.kubernetes.io/instance': layout.name,
    'app.kubernetes.io/managed-by': 'fjord',
    ...(component ? { 'app.kubernetes.io/component': component } : {}),
  }
}

/** Selectors leave out managed-by: they are immutable and should not depend on who applies. */
export function selectorOf(layout: Layout, component?: Role): Record<string, string> {
  const { 'app.kubernetes.io/managed-by': _, ...selector } = labelsOf(layout, component)
  return selector
}

export function metadataOf(layout: Layout, name: string, component?: Role) {
  return {
    name,
    namespace: layout.namespace,
    labels: labelsOf(layout, component),
    ownerReferences: [layout.owner],
  }
}

/** The roles that run as their own StatefulSet. */
export function rolesOf(layout: Layout): Role[] {
  return layout.controllers > 0 ? ['broker', 'controller'] : ['broker']
}

/** The DNS domain under which every pod of the cluster has a stable name. */
export function nodeDomain(layout: Layout): string {
  return `${namesOf(layout.name).headless}.${layout.namespace}.svc.${layout.options.clusterDomain}`
}

export function bootstrapServers(layout: Layout): string {
  const service = namesOf(layout.name).bootstrap
  return `${service}.${layout.namespace}.svc.${layout.options.clusterDomain}:${CLIENT_PORT}`
}

/** `controller.quorum.voters`: the controllers' node ids at their pod DNS names. */
export function quorumVoters(layout: Layout): string {
  const split = layout.controllers > 0
  const count = split ? layout.controllers : layout.combinedVoters
  const set = namesOf(layout.name).statefulSet(split ? 'controller' : 'broker')
  const offset = split ? CONTROLLER_ID_OFFSET : 0
  return Array.from(
    { length: count },
    (_, i) => `${offset + i}@${set}-${i}.${nodeDomain(layout)}:${CONTROLLER_PORT}`,
  ).join(',')
}

/** Kafka's cluster id is a base64url UUID; the KafkaCluster's uid makes it stable for free. */
export function kafkaClusterId(uid: string): string {
  return Buffer.from(uid.replaceAll('-', ''), 'hex').toString('base64url')
}

function properties(entries: [string, string | number][]): string {
  return `${entries.map(([k, v]) => `${k}=${v}`).join('\n')}\n`
}

/** What brokers and controllers share; each node appends its own id, roles and listeners. */
function commonProperties(layout: Layout): [string, string | number][] {
  return [
    ['controller.listener.names', 'CONTROLLER'],
    ['controller.quorum.voters', quorumVoters(layout)],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT'],
    ['log.dirs', `${DATA_DIR}/logs`],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['allow.everyone.if.no.acl.found', 'false'],
    // ANONYMOUS is the principal of the PLAINTEXT controller listener, which brokers and
    // controllers use among themselves; it is never advertised to clients.
    ['super.users', `User:${layout.options.adminUsername};User:ANONYMOUS`],
  ]
}

export function brokerProperties(layout: Layout): string {
  const replication = Math.min(3, layout.brokers)
  const minIsr = replication > 2 ? 2 : 1
  return properties([
    ...commonProperties(layout),
    ['inter.broker.listener.name', 'SASL_PLAINTEXT'],
    // The admin and inter-broker logins on a mechanism of their own: a restart can lose every
    // credential of a mechanism that saw a removal (KAFKA-20774), and users are deleted on
    // SCRAM-SHA-512, the mechanism Fjord gives users.
    ['sasl.enabled.mechanisms', `${platformMechanism},${tenantMechanism}`],
    ['sasl.mechanism.inter.broker.protocol', platformMechanism],
    ['default.replication.factor', replication],
    ['min.insync.replicas', minIsr],
    ['offsets.topic.replication.factor', replication],
    ['transaction.state.log.replication.factor', replication],
    ['transaction.state.log.min.isr', minIsr],
    // Topics come from the API, with quotas checked; a typo in a producer must not make one.
    ['auto.create.topics.enable', 'false'],
  ])
}

export function controllerProperties(layout: Layout): string {
  return properties(commonProperties(layout))
}

const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required'
const adminJaas = `${jaas} username="$ADMIN_USERNAME" password="$ADMIN_PASSWORD";`

/**
 * Start-up of every node: derives the node id and roles from the pod's ordinal, appends
 * them with the listeners and a JAAS line per SCRAM mechanism (the admin's password stays in
 * the Secret), formats the volume once (with the admin's SCRAM-SHA-256 credential) and runs
 * Kafka.
 *
 * A cluster formatted before the admin moved off SCRAM-SHA-512 has no SCRAM-SHA-256
 * credential for it, which brokers now log in to each other with: once Kafka answers, a
 * broker that finds the admin's SCRAM-SHA-256 login refused gives it one through its
 * SCRAM-SHA-512 login (kept, for the clients that use it). The Java admin tools cannot do
 * this through the controller listener, which needs no login.
 */
export const startScript = `#!/bin/sh
set -eu
ordinal="\${HOSTNAME##*-}"
host="$HOSTNAME.$NODE_DOMAIN"
props=/tmp/server.properties
cp "${CONFIG_DIR}/$ROLE.properties" "$props"
if [ "$ROLE" = controller ]; then
  roles=controller
  listeners="CONTROLLER://:${CONTROLLER_PORT}"
  advertised="CONTROLLER://$host:${CONTROLLER_PORT}"
elif [ "$ordinal" -lt "$COMBINED_VOTERS" ]; then
  roles=broker,controller
  listeners="SASL_PLAINTEXT://:${CLIENT_PORT},CONTROLLER://:${CONTROLLER_PORT}"
  advertised="SASL_PLAINTEXT://$host:${CLIENT_PORT},CONTROLLER://$host:${CONTROLLER_PORT}"
else
  roles=broker
  listeners="SASL_PLAINTEXT://:${CLIENT_PORT}"
  advertised="SASL_PLAINTEXT://$host:${CLIENT_PORT}"
fi
cat >>"$props" <<EOF
node.id=$((NODE_ID_OFFSET + ordinal))
process.roles=$roles
listeners=$listeners
advertised.listeners=$advertised
listener.name.sasl_plaintext.${platformMechanism.toLowerCase()}.sasl.jaas.config=${adminJaas}
listener.name.sasl_plaintext.${tenantMechanism.toLowerCase()}.sasl.jaas.config=${jaas};
EOF
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$props" \\
  --add-scram "${platformMechanism}=[name=$ADMIN_USERNAME,password=$ADMIN_PASSWORD]"
login() {
  printf '%s\\n' security.protocol=SASL_PLAINTEXT "sasl.mechanism=$1" \\
    "sasl.jaas.config=${adminJaas}" >"/tmp/admin-$1.properties"
  echo "/tmp/admin-$1.properties"
}
if [ "$roles" != controller ]; then (
  configs="/opt/kafka/bin/kafka-configs.sh --bootstrap-server $host:${CLIENT_PORT}"
  admin="--entity-type users --entity-name $ADMIN_USERNAME"
  tries=0
  while [ "$tries" -lt 60 ]; do
    tries=$((tries + 1))
    sleep 10
    $configs --command-config "$(login ${platformMechanism})" --describe $admin >/dev/null 2>&1 && exit 0
    # Quiet: a failing kafka-configs prints its arguments, the password among them.
    $configs --command-config "$(login ${tenantMechanism})" --alter $admin >/dev/null 2>&1 \\
      --add-config "${platformMechanism}=[iterations=8192,password=$ADMIN_PASSWORD]" && exit 0
    echo "fjord: the admin has no ${platformMechanism} login yet; trying again" >&2
  done
) & fi
exec /opt/kafka/bin/kafka-server-start.sh "$props"
`

export function renderConfigMap(layout: Layout): ApplyObject {
  return {
    metadata: metadataOf(layout, namesOf(layout.name).config),
    data: {
      'broker.properties': brokerProperties(layout),
      ...(layout.controllers > 0 ? { 'controller.properties': controllerProperties(layout) } : {}),
      'run.sh': startScript,
    },
  }
}

/** The admin Secret; `password` is read from the existing Secret, never re-generated. */
export function renderAdminSecret(layout: Layout, password: string): ApplyObject {
  return {
    metadata: metadataOf(layout, namesOf(layout.name).adminSecret),
    type: 'Opaque',
    data: {
      username: Buffer.from(layout.options.adminUsername).toString('base64'),
      password: Buffer.from(password).toString('base64'),
    },
  }
}

/** Every pod's stable DNS name, published before it is ready so the quorum can form. */
export function renderHeadlessService(layout: Layout): ApplyObject {
  return {
    metadata: metadataOf(layout, namesOf(layout.name).headless),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorOf(layout),
      ports: [
        { name: 'clients', port: CLIENT_PORT, targetPort: CLIENT_PORT },
        { name: 'controller', port: CONTROLLER_PORT, targetPort: CONTROLLER_PORT },
      ],
    },
  }
}

/** What clients bootstrap from: the ready brokers only. */
export function renderBootstrapService(layout: Layout): ApplyObject {
  return {
    metadata: metadataOf(layout, namesOf(layout.name).bootstrap, 'broker'),
    spec: {
      type: 'ClusterIP',
      selector: selectorOf(layout, 'broker'),
      ports: [{ name: 'clients', port: CLIENT_PORT, targetPort: 'clients' }],
    },
  }
}

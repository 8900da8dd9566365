#!/usr/bin/env node
import { writeFileSync } from 'node:fs'
import { installCrds } from '@fjord/contract/install'
import { labels } from '@fjord/contract/metadata'
import { KafkaClusters, KafkaPools, KafkaTopics, KafkaUsers } from '@fjord/contract/resources'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import { apiListWatch, Informer, objectKey } from '@fjord/kube/informer'
import { LeaderElector } from '@fjord/kube/leader'
import { collectionPath, Secrets } from '@fjord/kube/resources'
import pino from 'pino'
import { loadConfig, type OperatorConfig, usage } from './config.ts'
import { TopicCreateBatcher } from './kafka/batcher.ts'
import { KafkaConnections } from './kafka/connections.ts'
import { Controller, LeaderWork } from './kube/controller.ts'
import { isLeader } from './kube/metrics.ts'
import { operatorReadiness, startHealthServer } from './kube/server.ts'
import { usageMeter } from './metering/meter.ts'
import { clusterReconciler } from './reconcilers/cluster.ts'
import type { OperatorContext } from './reconcilers/context.ts'
import { defaultPoolCheckMs, poolReconciler } from './reconcilers/pool.ts'
import { ScramRepair } from './reconcilers/scram-repair.ts'
import { topicReconciler } from './reconcilers/topic.ts'
import { userReconciler } from './reconcilers/user.ts'

/** Starts the operator; resolves with a function that stops it cleanly. */
export async function startOperator(config: OperatorConfig): Promise<() => Promise<void>> {
  const log = pino({ level: config.logLevel ?? 'info' })
  const client = config.kubeconfig
    ? KubeClient.fromFile(config.kubeconfig)
    : KubeClient.fromDefault()
  if (config.installCrds) await installCrds(client)
  const informer = <T extends KubeObject>(type: Parameters<typeof collectionPath>[0]) =>
    new Informer<T>(
      apiListWatch(client, collectionPath(type), { labelSelector: config.selector }),
      {
        onError: (error) => log.warn({ informer: type.kind, err: error }, 'watch failed'),
      },
    )
  const ctx: OperatorContext = {
    client,
    informers: {
      pools: informer(KafkaPools),
      clusters: informer(KafkaClusters),
      topics: informer(KafkaTopics),
      users: informer(KafkaUsers),
    },
    // A closed connection to a pool may be a broker restarting: check the pool at once, so
    // the logins a restart lost are found as soon as it answers again.
    kafka: new KafkaConnections(client, { onDisconnect: (pool) => controllers[0]?.enqueue(pool) }),
    batcher: new TopicCreateBatcher(),
    log,
  }
  // Each reconcile reads the caches of other kinds (a cluster its pool, a topic its cluster).
  const common = { resyncPeriodMs: config.resyncMs, caches: Object.values(ctx.informers), log }
  // Pool checks find the tenants' logins Kafka lost; their KafkaUsers' reconciles set them again.
  const repair = new ScramRepair({
    informers: ctx.informers,
    enqueueUser: (key) => controllers[3]?.enqueue(key),
    log: log.child({ component: 'scram-repair' }),
  })
  const controllers = [
    new Controller({
      kind: 'KafkaPool',
      informer: ctx.informers.pools,
      reconcile: poolReconciler(ctx, { repair }),
      concurrency: 2,
      // A pool that failed is retried every few seconds at most, so the logins a restart lost
      // are found soon after Kafka is back, however long it was away.
      maxDelayMs: Math.min(defaultPoolCheckMs, 5_000),
      ...common,
    }),
    new Controller({
      kind: 'KafkaCluster',
      informer: ctx.informers.clusters,
      reconcile: clusterReconciler(ctx),
      concurrency: 4,
      ...common,
    }),
    new Controller({
      kind: 'KafkaTopic',
      informer: ctx.informers.topics,
      reconcile: topicReconciler(ctx),
      concurrency: config.topicConcurrency,
      ...common,
    }),
    new Controller({
      kind: 'KafkaUser',
      informer: ctx.informers.users,
      reconcile: userReconciler(ctx, repair),
      concurrency: 8,
      ...common,
    }),
  ]
  // A shared cluster waits on its pool: the pool's arrival or change of phase reconciles the
  // clusters on it at once, not at their next retry (a cluster applied before its pool).
  const enqueueClustersOn = (pool: KubeObject) => {
    for (const cluster of ctx.informers.clusters.list()) {
      if (cluster.spec.poolRef?.name === pool.metadata.name)
        controllers[1]?.enqueue(objectKey(cluster))
    }
  }
  ctx.informers.pools.onAdd(enqueueClustersOn).onUpdate((pool, old) => {
    if (pool.status?.phase !== old.status?.phase) enqueueClustersOn(pool)
  })
  // A password Secret labelled with its KafkaUser's name re-reconciles that user when it
  // changes or goes, so a rotated or revoked password reaches Kafka at once. Only metadata
  // is cached.
  const passwords = new Informer<KubeObject>(
    apiListWatch(client, collectionPath(Secrets), { labelSelector: labels.kafkaUser }),
    {
      transform: ({ metadata: { name, namespace, labels, resourceVersion } }) => ({
        metadata: { name, namespace, labels, resourceVersion },
      }),
      onError: (error) => log.warn({ informer: 'password Secret', err: error }, 'watch failed'),
    },
  )
  const userController = controllers[3]
  const enqueueUser = (secret: KubeObject) => {
    const user = secret.metadata.labels?.[labels.kafkaUser]
    if (user) userController?.enqueue(`${secret.metadata.namespace}/${user}`)
  }
  passwords.onAdd(enqueueUser).onUpdate(enqueueUser).onDelete(enqueueUser)
  const informers = [
    ...Object.entries(ctx.informers).map(([name, informer]) => ({ name, informer })),
    { name: 'password secrets', informer: passwords },
  ]
  for (const { informer: i } of informers) i.start()

  const meter = config.metering && usageMeter(ctx, config.metering)
  const work = new LeaderWork(controllers, meter ? [meter] : [], log)
  const elector = new LeaderElector({
    client,
    namespace: config.leaseNamespace,
    name: 'fjord-operator',
    identity: config.identity,
    onStartedLeading: (signal) => {
      log.info({ identity: config.identity }, 'leading')
      isLeader.set(1)
      work.onStartedLeading(signal)
    },
    onStoppedLeading: () => {
      isLeader.set(0)
      log.info({ identity: config.identity }, 'stopped leading')
    },
    onError: (error) => log.warn({ err: error }, 'leader election'),
  })
  const health = await startHealthServer({
    port: config.port,
    ready: operatorReadiness({ informers, elector }),
  })
  if (config.portFile) writePortFile(config.portFile, health.port)
  void elector.start()
  log.info({ identity: config.identity, port: health.port }, 'operator started')

  // No reconcile starts after this; those in flight finish (within the grace) and the meter
  // stops, before the lease is handed back: the next leader starts at once, alone.
  return async () => {
    const graceMs = config.shutdownGraceMs ?? 20_000
    log.info({ identity: config.identity, graceMs }, 'shutting down')
    await work.drain(graceMs)
    await elector.stop({ release: true })
    await Promise.all(informers.map(({ informer: i }) => i.stop()))
    await ctx.kafka.close()
    await health.close()
    client.close()
  }
}

function writePortFile(file: string, port: number): void {
  try {
    writeFileSync(file, `${port}\n`)
  } catch (error) {
    throw new Error(`FJORD_PORT_FILE: cannot write ${file}: ${(error as Error).message}`)
  }
}

/**
 * Runs the operator with these flags until SIGTERM or SIGINT, then stops it cleanly and exits
 * 0. A bad flag or variable exits 2, naming it; a failed start exits 1.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(argv, env)
  } catch (error) {
    process.stderr.write(`fjord-operator: ${(error as Error).message}\n`)
    process.exit(2)
  }
  if (config === 'help') {
    process.stdout.write(usage)
    return
  }
  // A signal during the start ends the process at once: it holds no lease yet.
  let stop: (() => Promise<void>) | undefined
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (!stop) process.exit(0)
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`fjord-operator: stopping failed: ${(error as Error).message}\n`)
          process.exit(1)
        },
      )
    })
  }
  stop = await startOperator(config).catch((error: unknown) => {
    process.stderr.write(`fjord-operator: ${(error as Error).message}\n`)
    process.exit(1)
  })
}

if (import.meta.main) await main(process.argv.slice(2))

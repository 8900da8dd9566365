import pino from 'pino'
import { Provisioner } from '../../../api/src/provisioner/provisioner.ts'
import { StatusWatcher } from '../../../api/src/provisioner/status-watcher.ts'
import { startTestApi } from '../../../api/test/support/api.ts'
import { KubeClient } from '../../../operator/src/kube/client.ts'
import { anOperatorWorld, env } from '../../../operator/test/support/operator.ts'

/**
 * The product in one process, on the stack: the api (PGlite in memory, or the PostgreSQL
 * of DATABASE_URL) with its provisioner and status watcher, and an operator; all of them
 * scoped to one label, so test files running side by side never see each other's resources.
 */
export async function aProduct() {
  const world = await anOperatorWorld()
  const kube = KubeClient.fromFile(env.kube.kubeconfig)
  const resourceLabels = world.labels
  const api = await startTestApi(
    { kubeconfig: env.kube.kubeconfig, resourceLabels, defaultReplicationFactor: 1 },
    { kube },
  )
  const log = pino({ level: process.env.FJORD_TEST_LOG ?? 'silent' })
  const scope = { db: api.database.db, kube, log, resourceLabels }
  const provisioner = new Provisioner(scope)
  const watcher = new StatusWatcher(scope)
  provisioner.start()
  watcher.start()
  return {
    api,
    world,
    kube,
    provisioner,
    async stop() {
      await provisioner.stop()
      await watcher.stop()
      await world.stop()
      await api.close()
      kube.close()
    },
  }
}

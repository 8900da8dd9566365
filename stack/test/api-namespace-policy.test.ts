import { execFile } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout } from 'node:timers/promises'
import { promisify } from 'node:util'
import { createdByFjord, labels, managedBy } from '@fjord/contract/metadata'
import { createObject, deleteObject, getObject } from '@fjord/kube/apply'
import { KubeClient } from '@fjord/kube/client'
import { isKubeError } from '@fjord/kube/errors'
import { Namespaces } from '@fjord/kube/resources'
import { serviceAccountClient } from '@fjord/testing/kube'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { readStackEnv } from '../src/env.ts'

const env = readStackEnv()
const chart = join(loadConfig().repoRoot, 'charts', 'fjord')
const helm = (args: string[]) =>
  promisify(execFile)(env.helm.bin, [...args, '--kubeconfig', env.kube.kubeconfig], {
    timeout: 60_000,
  })

const admin = KubeClient.fromFile(env.kube.kubeconfig)
const suffix = randomBytes(4).toString('hex')
const release = `r${suffix}`
const home = `policy-test-${suffix}`
const made: string[] = []
let asTheApi: KubeClient

// The chart installed as a platform team would: the api's ServiceAccount acts with the token
// Kubernetes issues to it, so its ClusterRole and the admission policy both apply.
beforeAll(async () => {
  // No node runs the migration hook's Job here, and no image is ever pulled from anywhere.
  await helm([
    'install',
    release,
    chart,
    '--namespace',
    home,
    '--create-namespace',
    '--no-hooks',
    '--set',
    'image.pullPolicy=Never',
  ])
  asTheApi = await serviceAccountClient(admin, home, `${release}-fjord-api`)
  // The apiserver takes up a new policy a moment after it is created: a dry run tells when.
  const probe = await aNamespace()
  const deadline = Date.now() + 30_000
  for (;;) {
    const refused = await asTheApi
      .request('DELETE', `/api/v1/namespaces/${probe.metadata.name}`, { query: { dryRun: 'All' } })
      .then(
        () => false,
        (error: unknown) => isKubeError(error, 'forbidden'),
      )
    if (refused) break
    if (Date.now() > deadline) throw new Error('the admission policy never took effect')
    await setTimeout(200)
  }
})
afterAll(async () => {
  asTheApi?.close()
  await helm(['uninstall', release, '--namespace', home])
  for (const name of [...made, home]) await deleteObject(admin, Namespaces, name, undefined)
  admin.close()
})

async function aNamespace(withLabels: Record<string, string> = {}) {
  const name = `policy-${randomBytes(4).toString('hex')}`
  made.push(name)
  return createObject(admin, Namespaces, { metadata: { name, labels: withLabels } })
}

test("refuses the api's ServiceAccount deleting or labelling a namespace that is not Fjord's", async () => {
  const theirs = await aNamespace({ team: 'monitoring' })
  const { name } = theirs.metadata
  await expect(deleteObject(asTheApi, Namespaces, name, undefined)).rejects.toMatchObject({
    code: 'forbidden',
    message: expect.stringContaining('may update or delete only the namespaces it created'),
  })
  await expect(
    asTheApi.request('PUT', `/api/v1/namespaces/${name}`, {
      body: {
        ...theirs,
        metadata: {
          ...theirs.metadata,
          labels: { ...theirs.metadata.labels, [labels.managedBy]: managedBy },
        },
      },
    }),
  ).rejects.toMatchObject({ code: 'forbidden' })
  const after = await getObject(admin, Namespaces, name)
  expect(after?.metadata.resourceVersion).toBe(theirs.metadata.resourceVersion)
  expect(after?.metadata.deletionTimestamp).toBeUndefined()
})

test("lets the api's ServiceAccount delete a namespace labelled as Fjord's, and nobody else is held", async () => {
  const fjords = await aNamespace(createdByFjord(randomUUID()))
  expect(await deleteObject(asTheApi, Namespaces, fjords.metadata.name, undefined)).toBe(true)
  // The policy matches the api alone: the platform's admin deletes what it likes.
  const theirs = await aNamespace()
  expect(await deleteObject(admin, Namespaces, theirs.metadata.name, undefined)).toBe(true)
})

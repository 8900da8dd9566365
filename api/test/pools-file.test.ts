import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { labels, managedBy } from '@fjord/contract/metadata'
import { poolAdminSecretName } from '@fjord/contract/naming'
import { KafkaPools } from '@fjord/contract/resources'
import { createObject, deleteObject, getObject } from '@fjord/kube/apply'
import { KubeClient } from '@fjord/kube/client'
import { Secrets } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import { uniqueName } from '@fjord/testing/names'
import { afterAll, describe, expect, test } from 'vitest'
import { registerPoolsOfFile } from '../src/resources/pools-file.ts'

// FJORD_POOLS_FILE against the stack's apiserver: the pools of the file are registered at
// start-up as PUT /admin/v1/pools/{pool} registers them (api/test/pools.test.ts).

const { kubeconfig } = readStackEnv().kube
const kube = KubeClient.fromFile(kubeconfig)
const systemNamespace = 'fjord-system'
const config = { systemNamespace, resourceLabels: { 'fjord.dev/test': uniqueName('pools-file') } }
const dir = mkdtempSync(join(tmpdir(), 'fjord-pools-file-'))
const pools: string[] = []

afterAll(async () => {
  for (const name of pools) {
    await deleteObject(kube, KafkaPools, name, undefined)
    await deleteObject(kube, Secrets, poolAdminSecretName(name), systemNamespace)
  }
  kube.close()
})

function aPoolName(): string {
  const name = uniqueName('pool')
  pools.push(name)
  return name
}

/** A pools file of these names, their admin's password in a file of its own (a Secret key). */
function aPoolsFile(...names: string[]): string {
  const passwordFile = join(dir, `${uniqueName('password')}`)
  writeFileSync(passwordFile, 'the admin password\n')
  const path = join(dir, `${uniqueName('pools')}.json`)
  const pool = (name: string) => ({
    name,
    bootstrapServers: ['kafka.example:9092'],
    maxPartitions: 100,
    region: 'eu',
    admin: { username: 'admin', passwordFile },
  })
  writeFileSync(path, JSON.stringify(names.map(pool)))
  return path
}

const versionsOf = async (name: string) => [
  (await getObject(kube, KafkaPools, name))?.metadata.resourceVersion,
  (await getObject(kube, Secrets, poolAdminSecretName(name), systemNamespace))?.metadata
    .resourceVersion,
]

describe('the pools of FJORD_POOLS_FILE', () => {
  test('are registered as PUT /admin/v1/pools/{pool} registers them, and left alone the next time', async () => {
    const [first, second] = [aPoolName(), aPoolName()]
    const file = aPoolsFile(first, second)
    await registerPoolsOfFile(kube, config, file)

    const owned = { [labels.managedBy]: managedBy, [labels.pool]: first }
    const pool = await getObject(kube, KafkaPools, first)
    expect(pool?.metadata.labels).toEqual({ ...config.resourceLabels, ...owned })
    expect(pool?.spec).toMatchObject({
      bootstrapServers: ['kafka.example:9092'],
      saslMechanism: 'SCRAM-SHA-256',
      capacity: { maxPartitions: 100 },
      region: 'eu',
      adminCredentialsSecretRef: { name: poolAdminSecretName(first), namespace: systemNamespace },
    })
    const secret = await getObject(kube, Secrets, poolAdminSecretName(first), systemNamespace)
    const data = secret?.data as Record<string, string>
    expect(Buffer.from(data.password ?? '', 'base64').toString()).toBe('the admin password')
    expect(Buffer.from(data.username ?? '', 'base64').toString()).toBe('admin')
    expect(await getObject(kube, KafkaPools, second)).toBeDefined()

    const before = [...(await versionsOf(first)), ...(await versionsOf(second))]
    await registerPoolsOfFile(kube, config, file)
    expect([...(await versionsOf(first)), ...(await versionsOf(second))]).toEqual(before)
  })

  test('are registered once by replicas starting together', async () => {
    const name = aPoolName()
    const file = aPoolsFile(name)
    await Promise.all(Array.from({ length: 4 }, () => registerPoolsOfFile(kube, config, file)))
    expect(await getObject(kube, KafkaPools, name)).toMatchObject({
      spec: { capacity: { maxPartitions: 100 } },
    })
  })

  test('stop the api, naming the variable, when a KafkaPool of that name is not Fjord’s', async () => {
    const name = aPoolName()
    const theirs = await createObject(
      kube,
      KafkaPools,
      {
        metadata: { name },
        spec: {
          bootstrapServers: ['theirs.example:9092'],
          adminCredentialsSecretRef: { name: 'theirs', namespace: systemNamespace },
          capacity: { maxPartitions: 5 },
        },
      },
      { fieldManager: 'kubectl-create' },
    )
    const file = aPoolsFile(name)
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          [join(import.meta.dirname, '..', 'src', 'main.ts'), 'serve'],
          {
            env: {
              ...process.env,
              FJORD_IN_MEMORY: 'true',
              PORT: '0',
              FJORD_KUBECONFIG: kubeconfig,
              FJORD_POOLS_FILE: file,
            },
          },
          (_, __, stderr) => resolve({ code: child.exitCode, stderr }),
        )
      },
    )
    expect(stderr).toBe(
      `FJORD_POOLS_FILE (${file}): pool "${name}" was not registered: KafkaPool ${name} exists and was not created by Fjord; it is left as it is\n`,
    )
    expect(code).toBe(1)
    const after = await getObject(kube, KafkaPools, name)
    expect(after?.metadata.resourceVersion).toBe(theirs.metadata.resourceVersion)
  })
})

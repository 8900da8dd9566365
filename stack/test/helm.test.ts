import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import { describe, expect, test } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { readStackEnv } from '../src/env.ts'

const env = readStackEnv()
const chart = join(loadConfig().repoRoot, 'charts', 'fjord')
const helm = (args: string[]) =>
  promisify(execFile)(env.helm.bin, [...args, '--kubeconfig', env.kube.kubeconfig], {
    timeout: 60_000,
  })

describe('the chart under the stack Helm', () => {
  test('lints clean', async () => {
    const { stdout } = await helm(['lint', chart])
    expect(stdout).toContain('1 chart(s) linted, 0 chart(s) failed')
  })

  test('renders the api Deployment and Service', async () => {
    const { stdout } = await helm(['template', 'acme', chart, '--set', 'api.replicas=3'])
    expect(stdout).toMatch(/kind: Deployment\nmetadata:\n {2}name: acme-fjord-api\n/)
    expect(stdout).toMatch(/kind: Service\nmetadata:\n {2}name: acme-fjord-api\n/)
    expect(stdout).toContain('replicas: 3')
  })

  test('installs into the kube-apiserver and uninstalls', async () => {
    const kc = new KubeConfig()
    kc.loadFromFile(env.kube.kubeconfig)
    const namespace = `helm-test-${randomBytes(4).toString('hex')}`
    await helm(['install', 'acme', chart, '--namespace', namespace, '--create-namespace'])
    try {
      const deployment = await kc
        .makeApiClient(AppsV1Api)
        .readNamespacedDeployment({ name: 'acme-fjord-api', namespace })
      expect(deployment.spec?.replicas).toBe(2)
    } finally {
      await helm(['uninstall', 'acme', '--namespace', namespace])
      await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace })
    }
    await expect(
      kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'acme-fjord-api', namespace }),
    ).rejects.toMatchObject({ code: 404 })
  })
})

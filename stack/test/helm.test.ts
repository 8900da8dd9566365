import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { AppsV1Api, AuthorizationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node'
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

  test('installs into the kube-apiserver, giving the operator and the api exactly the rights they need, and uninstalls', async () => {
    const kc = new KubeConfig()
    kc.loadFromFile(env.kube.kubeconfig)
    const suffix = randomBytes(4).toString('hex')
    const namespace = `helm-test-${suffix}`
    const release = `r${suffix}`
    const operator = `system:serviceaccount:${namespace}:${release}-fjord-operator`
    const api = `system:serviceaccount:${namespace}:${release}-fjord-api`
    const may = async (
      verb: string,
      resource: string,
      group = '',
      ns?: string,
      subresource?: string,
      user = operator,
    ) => {
      const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
        body: {
          spec: {
            user,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
            resourceAttributes: {
              verb,
              resource,
              group,
              ...(ns ? { namespace: ns } : {}),
              ...(subresource ? { subresource } : {}),
            },
          },
        },
      })
      return review.status?.allowed ?? false
    }
    await helm(['install', release, chart, '--namespace', namespace, '--create-namespace'])
    try {
      const apps = kc.makeApiClient(AppsV1Api)
      expect(
        (await apps.readNamespacedDeployment({ name: `${release}-fjord-api`, namespace })).spec
          ?.replicas,
      ).toBe(2)
      const deployed = await apps.readNamespacedDeployment({
        name: `${release}-fjord-operator`,
        namespace,
      })
      expect(deployed.spec?.template.spec?.serviceAccountName).toBe(`${release}-fjord-operator`)

      expect(await may('watch', 'kafkatopics', 'fjord.dev')).toBe(true)
      expect(await may('patch', 'kafkatopics', 'fjord.dev', 'tenant-a', 'status')).toBe(true)
      expect(await may('list', 'secrets', '', 'tenant-a')).toBe(true)
      expect(await may('create', 'statefulsets', 'apps', 'tenant-a')).toBe(true)
      expect(await may('update', 'leases', 'coordination.k8s.io', namespace)).toBe(true)
      expect(await may('update', 'leases', 'coordination.k8s.io', 'kube-system')).toBe(false)
      expect(await may('delete', 'secrets', '', 'tenant-a')).toBe(false)
      expect(await may('create', 'namespaces')).toBe(false)
      expect(await may('create', 'pods', '', 'tenant-a')).toBe(false)

      // The api provisions: namespaces, the resources' specs, password Secrets; no status.
      const apiMay = (verb: string, resource: string, group = '', ns?: string, sub?: string) =>
        may(verb, resource, group, ns, sub, api)
      expect(deployed.spec?.template.spec?.containers[0]?.env).toContainEqual(
        expect.objectContaining({ name: 'FJORD_METERING_URL' }),
      )
      expect(await apiMay('create', 'namespaces')).toBe(true)
      expect(await apiMay('update', 'kafkatopics', 'fjord.dev', 'acme')).toBe(true)
      expect(await apiMay('watch', 'kafkausers', 'fjord.dev')).toBe(true)
      expect(await apiMay('create', 'kafkapools', 'fjord.dev')).toBe(true)
      expect(await apiMay('update', 'secrets', '', 'acme')).toBe(true)
      expect(await apiMay('patch', 'namespaces')).toBe(false)
      // The status watcher's Lease, in the release namespace only.
      expect(await apiMay('update', 'leases', 'coordination.k8s.io', namespace)).toBe(true)
      expect(await apiMay('update', 'leases', 'coordination.k8s.io', 'kube-system')).toBe(false)
      expect(await apiMay('patch', 'kafkatopics', 'fjord.dev', 'acme', 'status')).toBe(false)
      expect(await apiMay('list', 'secrets', '', 'acme')).toBe(false)
      expect(await apiMay('create', 'pods', '', 'acme')).toBe(false)
      const tokens = await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedSecret({ name: `${release}-fjord-tokens`, namespace })
      expect(Object.keys(tokens.data ?? {}).sort()).toEqual(['metering-token', 'platform-token'])
    } finally {
      await helm(['uninstall', release, '--namespace', namespace])
      await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace })
    }
    await expect(
      kc
        .makeApiClient(AppsV1Api)
        .readNamespacedDeployment({ name: `${release}-fjord-api`, namespace }),
    ).rejects.toMatchObject({ code: 404 })
  })
})

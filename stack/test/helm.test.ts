import { execFile } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createdByFjord } from '@fjord/contract/metadata'
import { createObject, deleteObject } from '@fjord/kube/apply'
import { KubeClient } from '@fjord/kube/client'
import { isKubeError } from '@fjord/kube/errors'
import {
  collectionPath,
  defineResource,
  Namespaces,
  type ResourceType,
} from '@fjord/kube/resources'
import { createTestNamespace, serviceAccountClient } from '@fjord/testing/kube'
import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Container,
  type V1Deployment,
  type V1HorizontalPodAutoscaler,
  type V1Ingress,
  type V1Job,
  type V1NetworkPolicy,
  type V1PodDisruptionBudget,
  type V1PodSpec,
  type V1Service,
} from '@kubernetes/client-node'
import { describe, expect, test } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { loadConfig } from '../src/config.ts'
import { readStackEnv } from '../src/env.ts'

const env = readStackEnv()
const chart = join(loadConfig().repoRoot, 'charts', 'fjord')
const productionValues = join(chart, 'ci', 'production-values.yaml')
const helm = (args: string[]) =>
  promisify(execFile)(env.helm.bin, [...args, '--kubeconfig', env.kube.kubeconfig], {
    timeout: 60_000,
  })

/** The objects `helm template` renders for the release `acme` in `namespace`. */
async function renderIn(namespace: string, ...args: string[]) {
  const { stdout } = await helm(['template', 'acme', chart, '--namespace', namespace, ...args])
  const objects = parseAllDocuments(stdout)
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object) => object !== null)
  const find = <T extends KubernetesObject>(kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata?.name === name) as T | undefined
  const get = <T extends KubernetesObject>(kind: string, name: string): T => {
    const found = find<T>(kind, name)
    if (!found) {
      const rendered = objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')
      throw new Error(`no ${kind} ${name} was rendered; there are ${rendered}`)
    }
    return found
  }
  const pod = (kind: 'Deployment' | 'Job', name: string): V1PodSpec => {
    const spec = get<V1Deployment | V1Job>(kind, name).spec?.template.spec
    if (!spec) throw new Error(`${kind} ${name} has no pod template`)
    return spec
  }
  return {
    objects,
    kinds: (kind: string) => objects.filter((o) => o.kind === kind),
    find,
    get,
    pod,
    api: () => pod('Deployment', 'acme-fjord-api'),
    operator: () => pod('Deployment', 'acme-fjord-operator'),
    migrate: () => pod('Job', 'acme-fjord-migrate'),
  }
}

const render = (...args: string[]) => renderIn('fjord-system', ...args)

const container = (spec: V1PodSpec): V1Container => {
  const [first] = spec.containers
  if (!first) throw new Error('the pod has no container')
  return first
}
const envOf = (spec: V1PodSpec) =>
  Object.fromEntries((container(spec).env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]))

const aPool = (name: string, extra: object = {}) => ({
  name,
  bootstrapServers: [`${name}.kafka:9092`],
  maxPartitions: 100,
  admin: { existingSecret: `${name}-admin` },
  ...extra,
})

describe('the chart under the stack Helm', () => {
  test('lints clean with the default values and with production-like values', async () => {
    for (const values of [[], ['--values', productionValues]]) {
      const { stdout } = await helm(['lint', chart, ...values])
      expect(stdout).toContain('1 chart(s) linted, 0 chart(s) failed')
    }
  })

  test('renders the api hardened, probed and rolled by its configuration', async () => {
    const rendered = await render('--set', 'api.replicas=3')
    const deployment = rendered.get<V1Deployment>('Deployment', 'acme-fjord-api')
    expect(deployment.spec?.replicas).toBe(3)
    expect(deployment.spec?.strategy).toBeUndefined()
    const spec = rendered.api()
    const api = container(spec)
    expect(api.args).toEqual(['api'])
    expect(api.readinessProbe?.httpGet?.path).toBe('/readyz')
    expect(api.livenessProbe?.httpGet?.path).toBe('/healthz')
    expect(api.startupProbe?.httpGet?.path).toBe('/healthz')
    expect(api.resources?.limits).toEqual({ memory: '512Mi' })
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(api.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    })
    expect(api.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/tmp' }))
    expect(spec.volumes).toContainEqual({ name: 'tmp', emptyDir: {} })
    expect(spec.terminationGracePeriodSeconds).toBe(30)
    expect(spec.hostNetwork).toBeUndefined()
    expect(envOf(spec)).toMatchObject({
      PORT: '8080',
      FJORD_KUBE_IN_CLUSTER: 'true',
      FJORD_ORG_ROLE: 'acme-fjord-api-org',
      DATABASE_URL: { secretKeyRef: { name: 'fjord-database', key: 'DATABASE_URL' } },
      FJORD_PLATFORM_TOKEN: { secretKeyRef: { name: 'acme-fjord-tokens', key: 'platform-token' } },
    })
    expect(envOf(spec)).not.toHaveProperty('FJORD_BEHIND_TLS')
    expect(envOf(spec)).not.toHaveProperty('FJORD_POOLS_FILE')
    expect(
      rendered.get<V1PodDisruptionBudget>('PodDisruptionBudget', 'acme-fjord-api').spec,
    ).toMatchObject({ minAvailable: 1 })
    expect(rendered.kinds('HorizontalPodAutoscaler')).toEqual([])
    expect(rendered.kinds('Ingress')).toEqual([])
    expect(rendered.kinds('NetworkPolicy')).toEqual([])
    expect(rendered.get<V1Service>('Service', 'acme-fjord-api').spec?.type).toBe('ClusterIP')

    const checksum = (r: typeof rendered) =>
      r.get<V1Deployment>('Deployment', 'acme-fjord-api').spec?.template.metadata?.annotations?.[
        'checksum/pools'
      ]
    const withPools = await render('--set-json', `pools=${JSON.stringify([aPool('eu-1')])}`)
    expect(checksum(withPools)).not.toBe(checksum(rendered))
  })

  test('lets a drain take the only api pod, and keeps one of several', async () => {
    const single = await render('--set', 'api.replicas=1')
    expect(single.get<V1PodDisruptionBudget>('PodDisruptionBudget', 'acme-fjord-api').spec).toEqual(
      {
        maxUnavailable: 1,
        selector: {
          matchLabels: {
            'app.kubernetes.io/instance': 'acme',
            'app.kubernetes.io/component': 'api',
          },
        },
      },
    )
    expect(
      single.get<V1PodDisruptionBudget>('PodDisruptionBudget', 'acme-fjord-operator').spec,
    ).toMatchObject({ minAvailable: 1 })
  })

  test('autoscales the api on CPU and leaves its replicas to the autoscaler', async () => {
    const rendered = await render(
      '--set',
      'api.autoscaling.enabled=true,api.autoscaling.minReplicas=3,api.autoscaling.maxReplicas=9',
    )
    expect(rendered.get<V1Deployment>('Deployment', 'acme-fjord-api').spec).not.toHaveProperty(
      'replicas',
    )
    expect(
      rendered.get<V1HorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'acme-fjord-api').spec,
    ).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'acme-fjord-api' },
      minReplicas: 3,
      maxReplicas: 9,
      metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 75 } } }],
    })
  })

  test('runs the migrations as a hook before install and upgrade, with the database Secret only', async () => {
    const rendered = await render()
    const job = rendered.get<V1Job>('Job', 'acme-fjord-migrate')
    expect(job.metadata?.annotations).toEqual({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-weight': '0',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    })
    expect(job.spec).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 600 })
    const spec = rendered.migrate()
    expect(container(spec).args).toEqual(['migrate'])
    expect(spec.automountServiceAccountToken).toBe(false)
    expect(spec.restartPolicy).toBe('Never')
    expect(container(spec).securityContext?.readOnlyRootFilesystem).toBe(true)
    const secrets = (container(spec).env ?? []).flatMap((e) =>
      e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [],
    )
    expect(secrets).toEqual(['fjord-database'])
    const custom = await render(
      '--set',
      'database.existingSecret=pg,database.secretKey=url,migration.backoffLimit=0',
    )
    expect(envOf(custom.migrate()).DATABASE_URL).toEqual({
      secretKeyRef: { name: 'pg', key: 'url' },
    })
    expect(envOf(custom.api()).DATABASE_URL).toEqual({ secretKeyRef: { name: 'pg', key: 'url' } })
    expect(custom.get<V1Job>('Job', 'acme-fjord-migrate').spec?.backoffLimit).toBe(0)
  })

  test('runs two operators with leader election, bounded heaps and metering through the Service', async () => {
    const rendered = await render()
    expect(rendered.get<V1Deployment>('Deployment', 'acme-fjord-operator').spec?.replicas).toBe(2)
    const spec = rendered.operator()
    const operator = container(spec)
    expect(operator.args).toEqual([
      'operator',
      '--port',
      '8081',
      '--log-level',
      'info',
      '--identity',
      '$(POD_NAME)',
    ])
    expect(operator.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' })
    expect(operator.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' })
    expect(operator.securityContext?.readOnlyRootFilesystem).toBe(true)
    expect(envOf(spec)).toMatchObject({
      NODE_OPTIONS: '--max-old-space-size=128 --max-semi-space-size=4',
      POD_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      FJORD_METERING_URL: 'http://acme-fjord-api.fjord-system.svc:80/internal/v1/usage-samples',
    })
    const overridden = await render(
      '--set',
      'operator.meteringUrl=https://fjord.example.com/internal/v1/usage-samples,operator.nodeOptions=--max-old-space-size=512',
    )
    expect(envOf(overridden.operator())).toMatchObject({
      NODE_OPTIONS: '--max-old-space-size=512',
      FJORD_METERING_URL: 'https://fjord.example.com/internal/v1/usage-samples',
    })
  })

  test("on the node's network, the api rolls one pod at a time and the operators pick their own ports", async () => {
    const rendered = await render('--set', 'hostNetwork=true,api.port=9090')
    for (const spec of [rendered.api(), rendered.operator(), rendered.migrate()]) {
      expect(spec).toMatchObject({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' })
    }
    expect(rendered.get<V1Deployment>('Deployment', 'acme-fjord-api').spec?.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    })
    const operator = container(rendered.operator())
    expect(operator.args?.slice(0, 3)).toEqual(['operator', '--port', '0'])
    expect(operator.ports).toBeUndefined()
    expect(operator.readinessProbe?.exec?.command).toEqual([
      'node',
      '/app/image/entrypoint.ts',
      'probe',
      '/readyz',
    ])
    expect(operator.livenessProbe?.exec?.command).toEqual([
      'node',
      '/app/image/entrypoint.ts',
      'probe',
      '/healthz',
    ])
    expect(envOf(rendered.operator())).toMatchObject({
      FJORD_PORT_FILE: '/tmp/fjord-port',
      FJORD_METERING_URL: 'http://127.0.0.1:9090/internal/v1/usage-samples',
    })
  })

  test('gives the api the pools of the values as a file, with each admin login beside it', async () => {
    const pools = [
      aPool('eu-1', { region: 'eu', saslMechanism: 'SCRAM-SHA-512' }),
      aPool('us-1', {
        securityProtocol: 'SASL_SSL',
        admin: { existingSecret: 'kafka-us', usernameKey: 'user', passwordKey: 'pass' },
      }),
    ]
    const rendered = await render('--set-json', `pools=${JSON.stringify(pools)}`)
    const file = rendered.get<V1ConfigMap>('ConfigMap', 'acme-fjord-pools').data?.['pools.json']
    expect(JSON.parse(file ?? 'null')).toEqual([
      {
        name: 'eu-1',
        bootstrapServers: ['eu-1.kafka:9092'],
        saslMechanism: 'SCRAM-SHA-512',
        maxPartitions: 100,
        region: 'eu',
        admin: {
          usernameFile: '/etc/fjord/pools/eu-1/username',
          passwordFile: '/etc/fjord/pools/eu-1/password',
        },
      },
      {
        name: 'us-1',
        bootstrapServers: ['us-1.kafka:9092'],
        saslMechanism: 'SCRAM-SHA-256',
        securityProtocol: 'SASL_SSL',
        maxPartitions: 100,
        admin: {
          usernameFile: '/etc/fjord/pools/us-1/username',
          passwordFile: '/etc/fjord/pools/us-1/password',
        },
      },
    ])
    const spec = rendered.api()
    expect(envOf(spec).FJORD_POOLS_FILE).toBe('/etc/fjord/pools/pools.json')
    expect(container(spec).volumeMounts).toContainEqual({
      name: 'pools',
      mountPath: '/etc/fjord/pools',
      readOnly: true,
    })
    expect(spec.volumes?.find((v) => v.name === 'pools')?.projected?.sources).toEqual([
      { configMap: { name: 'acme-fjord-pools' } },
      {
        secret: {
          name: 'eu-1-admin',
          items: [
            { key: 'username', path: 'eu-1/username' },
            { key: 'password', path: 'eu-1/password' },
          ],
        },
      },
      {
        secret: {
          name: 'kafka-us',
          items: [
            { key: 'user', path: 'us-1/username' },
            { key: 'pass', path: 'us-1/password' },
          ],
        },
      },
    ])
    // The operator reads pools from their KafkaPools, never from the values.
    expect(envOf(rendered.operator())).not.toHaveProperty('FJORD_POOLS_FILE')
  })

  test('refuses two pools of one name', async () => {
    await expect(
      render('--set-json', `pools=${JSON.stringify([aPool('eu-1'), aPool('eu-1')])}`),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('the name "eu-1" is used twice') })
  })

  test('takes the tokens from an existing Secret instead of making its own', async () => {
    const rendered = await render('--set', 'tokens.existingSecret=platform-tokens')
    expect(rendered.find('Secret', 'acme-fjord-tokens')).toBeUndefined()
    const tokenRef = (key: string) => ({ secretKeyRef: { name: 'platform-tokens', key } })
    expect(envOf(rendered.api())).toMatchObject({
      FJORD_PLATFORM_TOKEN: tokenRef('platform-token'),
      FJORD_METERING_TOKEN: tokenRef('metering-token'),
    })
    expect(envOf(rendered.operator()).FJORD_METERING_TOKEN).toEqual(tokenRef('metering-token'))
    const made = (await render()).get<KubernetesObject & { data: Record<string, string> }>(
      'Secret',
      'acme-fjord-tokens',
    )
    expect(Object.keys(made.data).sort()).toEqual(['metering-token', 'platform-token'])
  })

  test('puts the api behind an Ingress with TLS, and tells it so', async () => {
    const rendered = await render(
      '--set',
      'ingress.enabled=true,ingress.className=nginx,ingress.hosts[0]=fjord.example.com,ingress.tls.secretName=fjord-tls',
      '--set-json',
      'ingress.annotations={"cert-manager.io/cluster-issuer":"letsencrypt"}',
    )
    const ingress = rendered.get<V1Ingress>('Ingress', 'acme-fjord-api')
    expect(ingress.metadata?.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt',
    })
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ secretName: 'fjord-tls', hosts: ['fjord.example.com'] }],
      rules: [
        {
          host: 'fjord.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'acme-fjord-api', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    })
    expect(envOf(rendered.api()).FJORD_BEHIND_TLS).toBe('true')
  })

  test('exposes the api on a NodePort when asked', async () => {
    const rendered = await render('--set', 'service.type=NodePort,service.nodePort=30080')
    expect(rendered.get<V1Service>('Service', 'acme-fjord-api').spec).toMatchObject({
      type: 'NodePort',
      ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }],
    })
  })

  test('denies the release all traffic but what each component needs', async () => {
    const rendered = await render('--values', productionValues)
    const policy = (name: string) => {
      const spec = rendered.get<V1NetworkPolicy>('NetworkPolicy', `acme-fjord-${name}`).spec
      if (!spec) throw new Error(`the NetworkPolicy ${name} has no spec`)
      return spec
    }
    expect(policy('default-deny')).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'acme' } },
      policyTypes: ['Ingress', 'Egress'],
    })
    const component = (name: string) => ({
      matchLabels: { 'app.kubernetes.io/instance': 'acme', 'app.kubernetes.io/component': name },
    })
    const to = (cidr: string, ...ports: number[]) => ({
      ports: ports.map((port) => ({ protocol: 'TCP', port })),
      to: [{ ipBlock: { cidr } }],
    })
    const postgres = to('10.20.0.0/24', 5432)
    const kubeApiServer = to('10.0.0.0/28', 6443)
    const kafka = to('10.30.0.0/16', 9094)
    const dns = expect.objectContaining({
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    })
    const api = policy('api')
    expect(api.podSelector).toEqual(component('api'))
    expect(api.ingress).toEqual([
      {
        ports: [{ protocol: 'TCP', port: 8080 }],
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
          },
          { podSelector: component('operator') },
        ],
      },
    ])
    expect(api.egress).toEqual([postgres, kubeApiServer, kafka, dns])
    const operator = policy('operator')
    expect(operator.ingress).toEqual([
      {
        ports: [{ protocol: 'TCP', port: 8081 }],
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
      },
    ])
    expect(operator.egress).toEqual([
      kafka,
      kubeApiServer,
      dns,
      { ports: [{ protocol: 'TCP', port: 8080 }], to: [{ podSelector: component('api') }] },
    ])
    const migrate = policy('migrate')
    expect(migrate.ingress).toEqual([])
    expect(migrate.egress).toEqual([postgres, dns])
    // Without an ingress controller's namespaces, any source reaches the api's port, and only it.
    const open = await render('--set', 'networkPolicy.enabled=true')
    expect(open.get<V1NetworkPolicy>('NetworkPolicy', 'acme-fjord-api').spec?.ingress).toEqual([
      { ports: [{ protocol: 'TCP', port: 8080 }] },
    ])
  })

  test('adds extraEnv to every Fjord container and resourceLabels to both api and operator', async () => {
    const rendered = await render(
      '--set-json',
      'extraEnv=[{"name":"FJORD_LOGIN_ATTEMPTS_PER_WINDOW","value":"20"}]',
      '--set-json',
      'resourceLabels={"fjord.dev/shard":"a"}',
    )
    for (const spec of [rendered.api(), rendered.operator(), rendered.migrate()]) {
      expect(envOf(spec).FJORD_LOGIN_ATTEMPTS_PER_WINDOW).toBe('20')
    }
    expect(envOf(rendered.api()).FJORD_RESOURCE_LABELS).toBe('fjord.dev/shard=a')
    expect(container(rendered.operator()).args?.slice(-2)).toEqual([
      '--selector',
      'fjord.dev/shard=a',
    ])
  })

  test.each([
    [['--set', 'api.replicas=two'], "at '/api/replicas': got string, want integer"],
    [['--set-json', 'pools=[{"name":1}]'], "at '/pools/0/name': got number, want string"],
    [['--set', 'service.type=ExternalName'], "at '/service/type': value must be one of"],
    [['--set', 'api.port=0'], "at '/api/port': minimum: got 0, want 1"],
    [['--set', 'operator.logLevel=trace'], "at '/operator/logLevel': value must be one of"],
    [['--set', 'api.replica=2'], "at '/api': additional properties 'replica' not allowed"],
    [
      [
        '--set-json',
        'pools=[{"name":"eu-1","bootstrapServers":["kafka"],"maxPartitions":1,"admin":{"existingSecret":"a"}}]',
      ],
      "at '/pools/0/bootstrapServers/0'",
    ],
  ])('refuses %j as the schema says: %s', async (args, message) => {
    await expect(render(...args)).rejects.toMatchObject({
      stderr: expect.stringContaining(message),
    })
  })

  test('renders objects the kube-apiserver takes field by field, for production and on the node network', async () => {
    const admin = KubeClient.fromFile(env.kube.kubeconfig)
    const { namespace, remove } = await createTestNamespace(admin, 'helm-dry-run')
    try {
      for (const values of [
        ['--values', productionValues],
        ['--set', 'hostNetwork=true', '--set-json', `pools=${JSON.stringify([aPool('eu-1')])}`],
      ]) {
        const { objects } = await renderIn(namespace, ...values)
        for (const object of objects) {
          const type = await resourceOf(admin, object)
          await admin
            .request('POST', collectionPath(type, namespace), {
              body: object,
              query: { dryRun: 'All', fieldValidation: 'Strict' },
            })
            .catch((error: Error) => {
              throw new Error(`${object.kind} ${object.metadata?.name}: ${error.message}`)
            })
        }
      }
    } finally {
      await remove()
      admin.close()
    }
  })

  test('installs into the kube-apiserver, giving the operator and the api exactly the rights they need, and uninstalls', async () => {
    const kc = new KubeConfig()
    kc.loadFromFile(env.kube.kubeconfig)
    const admin = KubeClient.fromFile(env.kube.kubeconfig)
    const suffix = randomBytes(4).toString('hex')
    const namespace = `helm-test-${suffix}`
    const release = `r${suffix}`
    const operator = `system:serviceaccount:${namespace}:${release}-fjord-operator`
    const api = `system:serviceaccount:${namespace}:${release}-fjord-api`
    const orgRole = `${release}-fjord-api-org`
    const may = async (
      user: string,
      verb: string,
      resource: string,
      { group = '', namespace: ns, subresource, name }: Partial<Record<string, string>> = {},
    ) => {
      const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
        body: {
          spec: {
            user,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
            resourceAttributes: { verb, resource, group, namespace: ns, subresource, name },
          },
        },
      })
      return review.status?.allowed ?? false
    }
    const operatorMay = (verb: string, resource: string, attributes?: Record<string, string>) =>
      may(operator, verb, resource, attributes)
    const apiMay = (verb: string, resource: string, attributes?: Record<string, string>) =>
      may(api, verb, resource, attributes)
    const fjords = `fjord-org-${suffix}`
    // No node runs the migration hook's Job here, and no image is ever pulled from anywhere.
    await helm([
      'install',
      release,
      chart,
      '--namespace',
      namespace,
      '--create-namespace',
      '--no-hooks',
      '--set',
      'image.pullPolicy=Never',
    ])
    let asTheApi: KubeClient | undefined
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

      expect(await operatorMay('watch', 'kafkatopics', { group: 'fjord.dev' })).toBe(true)
      expect(
        await operatorMay('patch', 'kafkatopics', {
          group: 'fjord.dev',
          namespace: 'tenant-a',
          subresource: 'status',
        }),
      ).toBe(true)
      expect(await operatorMay('list', 'secrets', { namespace: 'tenant-a' })).toBe(true)
      expect(
        await operatorMay('create', 'statefulsets', { group: 'apps', namespace: 'tenant-a' }),
      ).toBe(true)
      const leases = { group: 'coordination.k8s.io' }
      expect(await operatorMay('update', 'leases', { ...leases, namespace })).toBe(true)
      expect(await operatorMay('update', 'leases', { ...leases, namespace: 'kube-system' })).toBe(
        false,
      )
      expect(await operatorMay('delete', 'secrets', { namespace: 'tenant-a' })).toBe(false)
      expect(await operatorMay('create', 'namespaces')).toBe(false)
      expect(await operatorMay('create', 'pods', { namespace: 'tenant-a' })).toBe(false)

      // The api provisions: namespaces, the resources' specs; no status.
      expect(await apiMay('create', 'namespaces')).toBe(true)
      expect(await apiMay('update', 'kafkatopics', { group: 'fjord.dev', namespace: 'acme' })).toBe(
        true,
      )
      expect(await apiMay('watch', 'kafkausers', { group: 'fjord.dev' })).toBe(true)
      expect(await apiMay('create', 'kafkapools', { group: 'fjord.dev' })).toBe(true)
      expect(await apiMay('patch', 'namespaces')).toBe(false)
      expect(
        await apiMay('patch', 'kafkatopics', {
          group: 'fjord.dev',
          namespace: 'acme',
          subresource: 'status',
        }),
      ).toBe(false)
      expect(await apiMay('create', 'pods', { namespace: 'acme' })).toBe(false)
      // The status watcher's Lease and the pools' admin Secrets: in the release namespace only.
      expect(await apiMay('update', 'leases', { ...leases, namespace })).toBe(true)
      expect(await apiMay('update', 'leases', { ...leases, namespace: 'kube-system' })).toBe(false)
      expect(await apiMay('get', 'secrets', { namespace })).toBe(true)
      expect(await apiMay('update', 'secrets', { namespace })).toBe(true)
      expect(await apiMay('list', 'secrets', { namespace })).toBe(false)
      // No Secret of a namespace that is not Fjord's.
      for (const elsewhere of ['kube-system', 'acme', fjords]) {
        expect(await apiMay('get', 'secrets', { namespace: elsewhere })).toBe(false)
      }
      expect(await apiMay('update', 'secrets', { namespace: 'acme' })).toBe(false)

      // It gets the Secrets of an org's namespace by binding its org role there, as itself, with
      // the token Kubernetes issues to it: the admission policy refuses any other binding.
      asTheApi = await serviceAccountClient(admin, namespace, `${release}-fjord-api`)
      const theApi = asTheApi
      const bind = (ns: string, role = orgRole, account = `${release}-fjord-api`, dryRun?: 'All') =>
        theApi.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
          query: { dryRun },
          body: {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name: orgRole },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
            subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
          },
        })
      const outcome = (request: Promise<unknown>) =>
        request.then(
          () => 'allowed',
          (error: Error) => (isKubeError(error, 'forbidden') ? error.message : String(error)),
        )
      // The apiserver takes up a new policy a moment after it is created.
      await expect
        .poll(() => outcome(bind('kube-system', orgRole, `${release}-fjord-api`, 'All')), {
          timeout: 30_000,
        })
        .toContain('may bind roles only in the namespaces it created')
      await createObject(admin, Namespaces, {
        metadata: { name: fjords, labels: createdByFjord(randomUUID()) },
      })
      expect(await outcome(bind(fjords, orgRole, 'default'))).toContain(
        `may bind only ${orgRole}, and only to its own`,
      )
      expect(await outcome(bind(fjords, 'admin'))).not.toBe('allowed')
      expect(await outcome(bind(fjords))).toBe('allowed')
      await expect.poll(() => apiMay('get', 'secrets', { namespace: fjords })).toBe(true)
      expect(await apiMay('create', 'secrets', { namespace: fjords })).toBe(true)
      expect(await apiMay('list', 'secrets', { namespace: fjords })).toBe(false)
      expect(await apiMay('get', 'secrets', { namespace: 'kube-system' })).toBe(false)

      const tokens = await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedSecret({ name: `${release}-fjord-tokens`, namespace })
      expect(Object.keys(tokens.data ?? {}).sort()).toEqual(['metering-token', 'platform-token'])
    } finally {
      asTheApi?.close()
      await helm(['uninstall', release, '--namespace', namespace])
      for (const name of [fjords, namespace]) await deleteObject(admin, Namespaces, name, undefined)
      admin.close()
    }
    await expect(
      kc
        .makeApiClient(AppsV1Api)
        .readNamespacedDeployment({ name: `${release}-fjord-api`, namespace }),
    ).rejects.toMatchObject({ code: 404 })
  })
})

/** The REST resource of a rendered object, as the apiserver's discovery names it. */
async function resourceOf(kube: KubeClient, object: KubernetesObject): Promise<ResourceType> {
  const { apiVersion = '', kind = '' } = object
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`
  const { resources } = await kube.get<{
    resources: { name: string; kind: string; namespaced: boolean }[]
  }>(root)
  const found = resources.find((r) => r.kind === kind && !r.name.includes('/'))
  if (!found) throw new Error(`the apiserver serves no ${kind} in ${apiVersion}`)
  return defineResource(apiVersion, kind, found.name, found.namespaced)
}

import { randomBytes } from 'node:crypto'
import { request } from 'node:https'
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { readStackEnv } from '../src/env.ts'

const env = readStackEnv()
const kc = new KubeConfig()
kc.loadFromFile(env.kube.kubeconfig)
const group = 'stack-test.fjord.dev'
const version = 'v1'
const plural = 'widgets'

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 1, maximum: 10 },
                  color: { type: 'string', enum: ['red', 'blue'] },
                },
                'x-kubernetes-validations': [
                  {
                    rule: "self.size <= 5 || self.color == 'red'",
                    message: 'only red widgets may be larger than 5',
                  },
                ],
              },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
}

const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${widgetCrd.metadata.name}`

/**
 * A request with a raw JSON body: client-node's typed models would drop the
 * `x-kubernetes-validations` key of a CRD (kubernetes-client/javascript#2483).
 */
async function raw(
  method: 'GET' | 'PATCH',
  path: string,
  body?: object,
  // biome-ignore lint/suspicious/noExplicitAny: raw Kubernetes JSON, read field by field
): Promise<{ status: number; json: any }> {
  const options: import('node:https').RequestOptions = {
    method,
    headers: { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' },
  }
  await kc.applyToHTTPSOptions(options)
  const query = method === 'PATCH' ? '?fieldManager=fjord-stack-test&force=true' : ''
  return new Promise((resolve, reject) => {
    const req = request(`${kc.getCurrentCluster()?.server}${path}${query}`, options, (res) => {
      let text = ''
      res.on('data', (chunk) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }))
    })
    req.on('error', reject)
    req.end(body ? JSON.stringify(body) : undefined)
  })
}

describe('the stack kube-apiserver', () => {
  const core = kc.makeApiClient(CoreV1Api)
  const custom = kc.makeApiClient(CustomObjectsApi)
  const namespace = `stack-test-${randomBytes(4).toString('hex')}`

  beforeAll(async () => {
    const applied = await raw('PATCH', crdPath, widgetCrd)
    expect([200, 201], JSON.stringify(applied.json)).toContain(applied.status)
    await vi.waitFor(
      async () => {
        const conditions: { type: string; status: string }[] =
          (await raw('GET', crdPath)).json.status?.conditions ?? []
        expect(conditions).toContainEqual(
          expect.objectContaining({ type: 'Established', status: 'True' }),
        )
      },
      { timeout: 15_000 },
    )
    await core.createNamespace({ body: { metadata: { name: namespace } } })
    // Established comes a moment before the new resource is served; a watch opened in that
    // moment gets a 404.
    await vi.waitFor(
      () => custom.listNamespacedCustomObject({ group, version, namespace, plural }),
      {
        timeout: 15_000,
      },
    )
  })
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace })
  })

  test('keeps the CEL rules of a CRD applied as raw JSON', async () => {
    const stored = (await raw('GET', crdPath)).json
    expect(
      stored.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'],
    ).toEqual(
      widgetCrd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec[
        'x-kubernetes-validations'
      ],
    )
  })

  test('creates, watches and deletes a custom resource, and rejects one that breaks the schema', async () => {
    const events: string[] = []
    const watch = await new Watch(kc).watch(
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      {},
      (phase, obj: { metadata: { name: string } }) => events.push(`${phase} ${obj.metadata.name}`),
      (error: unknown) => {
        if (error && !(error instanceof Error && error.name === 'AbortError'))
          events.push(`watch ended: ${error}`)
      },
    )
    try {
      const widget = (name: string, spec: object) => ({
        apiVersion: `${group}/${version}`,
        kind: 'Widget',
        metadata: { name },
        spec,
      })
      await custom.createNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        body: widget('small', { size: 3, color: 'blue' }),
      })

      const tooSmall = custom.createNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        body: widget('zero', { size: 0 }),
      })
      await expect(tooSmall).rejects.toMatchObject({
        code: 422,
        body: expect.stringContaining('spec.size'),
      })
      const badColor = custom.createNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        body: widget('green', { size: 2, color: 'green' }),
      })
      await expect(badColor).rejects.toMatchObject({
        code: 422,
        body: expect.stringContaining('spec.color'),
      })
      const celBreaker = custom.createNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        body: widget('big-blue', { size: 8, color: 'blue' }),
      })
      await expect(celBreaker).rejects.toMatchObject({
        code: 422,
        body: expect.stringContaining('only red widgets may be larger than 5'),
      })

      await custom.deleteNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        name: 'small',
      })
      await expect.poll(() => events, { timeout: 10_000 }).toEqual(['ADDED small', 'DELETED small'])
    } finally {
      watch.abort()
    }
  })
})

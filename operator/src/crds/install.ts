import { readdirSync, readFileSync } from 'node:fs'
import { type RequestOptions, request } from 'node:https'
import { join } from 'node:path'
import type { KubeConfig } from '@kubernetes/client-node'
import { parse } from 'yaml'

/** The chart's CRDs: the one definition the operator, the chart and the tests share. */
export const crdDir = join(import.meta.dirname, '..', '..', '..', 'charts', 'fjord', 'crds')

export interface CrdDocument {
  metadata: { name: string }
  spec: { names: { kind: string } }
}

export function loadCrds(dir = crdDir): CrdDocument[] {
  return (
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      // Plain YAML, not client-node's loadYaml: that one maps to typed models and renames keys.
      .map((f) => parse(readFileSync(join(dir, f), 'utf8')) as CrdDocument)
  )
}

/**
 * Sends a request with a raw JSON body. client-node's typed models would drop every
 * `x-kubernetes-*` key of a CRD (kubernetes-client/javascript#2483), and with it the CEL rules.
 */
export async function rawRequest(
  kc: KubeConfig,
  method: 'GET' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const options: RequestOptions = {
    method,
    headers: { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' },
  }
  await kc.applyToHTTPSOptions(options)
  const server = kc.getCurrentCluster()?.server
  if (!server) throw new Error('the kubeconfig has no current cluster')
  return new Promise((resolve, reject) => {
    const req = request(`${server}${path}`, options, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

/** Server-side applies the CRDs and waits until the apiserver serves each of them. */
export async function installCrds(
  kc: KubeConfig,
  fieldManager = 'fjord-operator',
  timeoutMs = 30_000,
): Promise<void> {
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'
  for (const crd of loadCrds()) {
    const res = await rawRequest(
      kc,
      'PATCH',
      `${base}/${crd.metadata.name}?fieldManager=${fieldManager}&force=true`,
      crd,
    )
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(
        `applying CRD ${crd.metadata.name} failed (${res.status}): ${JSON.stringify(res.json.message)}`,
      )
    }
  }
  const deadline = Date.now() + timeoutMs
  for (const crd of loadCrds()) {
    for (;;) {
      const { json } = await rawRequest(kc, 'GET', `${base}/${crd.metadata.name}`)
      const conditions =
        (json.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break
      if (Date.now() > deadline)
        throw new Error(`CRD ${crd.metadata.name} was not Established in time`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FIELD_MANAGER } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { CustomResourceDefinitions, objectPath } from '@fjord/kube/resources'
import { PatchStrategy } from '@kubernetes/client-node'
import { parse } from 'yaml'

/**
 * The CRDs: the one definition the operator, the api, the tests and the chart share (the
 * chart's `crds/` is a link to this folder).
 */
export const crdDir = join(import.meta.dirname, '..', 'crds')

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

type Crd = KubeObject & { status?: { conditions?: { type: string; status: string }[] } }

/**
 * Server-side applies the CRDs as raw JSON (client-node's typed models would drop every
 * `x-kubernetes-*` key, and with it the CEL rules) and waits until each is Established.
 */
export async function installCrds(client: KubeClient, timeoutMs = 30_000): Promise<void> {
  const crds = loadCrds()
  for (const crd of crds) {
    await client.request('PATCH', objectPath(CustomResourceDefinitions, crd.metadata.name), {
      body: crd,
      contentType: PatchStrategy.ServerSideApply,
      query: { fieldManager: FIELD_MANAGER, force: true },
    })
  }
  const deadline = Date.now() + timeoutMs
  for (const crd of crds) {
    for (;;) {
      const current = await client.get<Crd>(
        objectPath(CustomResourceDefinitions, crd.metadata.name),
      )
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
        break
      if (Date.now() > deadline)
        throw new Error(`CRD ${crd.metadata.name} was not Established in time`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

import { connect, createServer, type Socket } from 'node:net'
import { deleteObject } from '@fjord/kube/apply'
import { KubeClient } from '@fjord/kube/client'
import { isAlreadyExists } from '@fjord/kube/errors'
import { Namespaces } from '@fjord/kube/resources'
import { KubeConfig } from '@kubernetes/client-node'
import { uniqueName } from './names.ts'

/**
 * Test helpers for code that talks to a real apiserver. Not used by the operator itself.
 */

/** Creates a namespace of its own for one test; the returned function deletes it. */
export async function createTestNamespace(
  client: KubeClient,
  prefix: string,
): Promise<{ namespace: string; remove: () => Promise<void> }> {
  const namespace = uniqueName(prefix)
  await client.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  })
  return {
    namespace,
    remove: async () => {
      await deleteObject(client, Namespaces, namespace, undefined)
    },
  }
}

/** A KubeConfig like `kc` but pointing at another server URL (a proxy in front of the real one). */
export function withServer(kc: KubeConfig, server: string): KubeConfig {
  const copy = new KubeConfig()
  copy.loadFromString(kc.exportConfig())
  const current = copy.getCurrentCluster()
  if (!current) throw new Error('the kubeconfig has no current cluster')
  copy.clusters = copy.clusters.map((c) => (c.name === current.name ? { ...c, server } : c))
  return copy
}

export interface TcpProxy {
  /** The URL to use in place of the target's. */
  url: string
  /** Closes every connection at once, as a network failure would. */
  cut(): void
  /** Stops passing bytes on open connections without closing them: a silent stall. */
  freeze(): void
  /** While refusing, new connections are closed as soon as they open. */
  refuse(refusing: boolean): void
  close(): Promise<void>
}

/**
 * A TCP proxy in front of the apiserver, to break connections the way networks do. TLS
 * passes through untouched, so the client still verifies the real server.
 */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target)
  const pairs = new Set<[Socket, Socket]>()
  let refusing = false
  const server = createServer((client) => {
    if (refusing) {
      client.destroy()
      return
    }
    const upstream = connect(Number(port), hostname)
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    client.pipe(upstream)
    upstream.pipe(client)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      pairs.delete(pair)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('proxy has no port')
  const cut = () => {
    for (const [a, b] of pairs) {
      a.destroy()
      b.destroy()
    }
    pairs.clear()
  }
  return {
    url: `https://127.0.0.1:${address.port}`,
    cut,
    freeze() {
      for (const [a, b] of pairs) {
        a.unpipe(b)
        b.unpipe(a)
        a.pause()
        b.pause()
      }
    },
    refuse(value) {
      refusing = value
    },
    close() {
      cut()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** A client for the apiserver behind a fresh proxy. */
export async function proxiedClient(
  kc: KubeConfig,
): Promise<{ client: KubeClient; proxy: TcpProxy }> {
  const server = kc.getCurrentCluster()?.server
  if (!server) throw new Error('the kubeconfig has no current cluster')
  const proxy = await startTcpProxy(server)
  return { client: new KubeClient(withServer(kc, proxy.url)), proxy }
}

/**
 * A client that acts as the ServiceAccount `namespace/name` (made unless it exists), with a
 * token from the apiserver's TokenRequest API: what RBAC and admission policies grant that
 * account is what this client may do.
 */
export async function serviceAccountClient(
  admin: KubeClient,
  namespace: string,
  name: string,
): Promise<KubeClient> {
  const accounts = `/api/v1/namespaces/${namespace}/serviceaccounts`
  await admin
    .request('POST', accounts, {
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    })
    .catch((error: unknown) => {
      if (!isAlreadyExists(error)) throw error
    })
  const issued = await admin.request<{ status: { token: string } }>(
    'POST',
    `${accounts}/${name}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    },
  )
  const cluster = admin.kubeConfig.getCurrentCluster()
  if (!cluster) throw new Error('the kubeconfig has no current cluster')
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: issued.status.token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  })
  return new KubeClient(kc)
}

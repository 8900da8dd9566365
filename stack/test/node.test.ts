import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KubeClient } from '@fjord/kube/client'
import { createTestNamespace } from '@fjord/testing/kube'
import {
  CoreV1Api,
  KubeConfig,
  PortForward,
  type V1Pod,
  type V1PodSpec,
} from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { readStackEnv } from '../src/env.ts'
import { importImage, writeOciArchive } from '../src/image/oci.ts'
import { run } from '../src/proc.ts'
import { pauseImage } from '../src/services/node-containerd.ts'

const env = readStackEnv()
const node = env.node
const busybox = 'docker.io/fjord/node-test-busybox:1'

/** Debian's busybox-static with its applets linked, imported into the node's containerd. */
async function importBusybox(address: string, ctr: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'fjord-node-test-'))
  try {
    const layer = join(work, 'layer')
    mkdirSync(join(layer, 'bin'), { recursive: true })
    mkdirSync(join(layer, 'tmp'), { mode: 0o1777 })
    cpSync('/bin/busybox', join(layer, 'bin', 'busybox'))
    for (const applet of (await run('/bin/busybox', ['--list'])).split('\n')) {
      if (applet !== '' && applet !== 'busybox') symlinkSync('busybox', join(layer, 'bin', applet))
    }
    const archive = join(work, 'busybox.tar')
    await writeOciArchive({ name: busybox, layers: [{ dir: layer }], config: {}, out: archive })
    await importImage({ bin: ctr, address }, archive)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

const isReady = (pod: V1Pod) =>
  Boolean(pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))

describe.skipIf(node === undefined)(
  'the stack node (skipped when env.json has no node: start it with `npm run stack -- up --node`)',
  () => {
    const kc = new KubeConfig()
    kc.loadFromFile(env.kube.kubeconfig)
    const core = kc.makeApiClient(CoreV1Api)
    let namespace: string
    let remove: () => Promise<void>
    let server: V1Pod

    const startPod = (name: string, spec: V1PodSpec) =>
      core.createNamespacedPod({
        namespace,
        body: { metadata: { name }, spec: { terminationGracePeriodSeconds: 0, ...spec } },
      })

    beforeAll(async () => {
      if (node === undefined) return
      await importBusybox(node.containerd.address, node.ctr.bin)
      ;({ namespace, remove } = await createTestNamespace(
        KubeClient.fromFile(env.kube.kubeconfig),
        'node',
      ))
      // Pods are refused until the namespace's default ServiceAccount exists.
      await vi.waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace }), {
        timeout: 15_000,
        interval: 100,
      })
      // An HTTP server on the pod network, for the tests to reach.
      await startPod('server', {
        containers: [
          {
            name: 'httpd',
            image: busybox,
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'echo pong > /tmp/ping && exec httpd -f -p 8080 -h /tmp'],
            readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
          },
        ],
      })
      server = await vi.waitFor(
        async () => {
          const pod = await core.readNamespacedPod({ name: 'server', namespace })
          if (!isReady(pod)) throw new Error(`server pod not Ready: ${JSON.stringify(pod.status)}`)
          return pod
        },
        { timeout: 60_000, interval: 250 },
      )
    })
    afterAll(() => remove?.())

    /** Polls the pod until `done` holds for it, and returns it. */
    async function podWhen(name: string, done: (pod: V1Pod) => boolean): Promise<V1Pod> {
      let pod: V1Pod | undefined
      await expect
        .poll(
          async () => {
            pod = await core.readNamespacedPod({ name, namespace })
            return done(pod) ? 'done' : JSON.stringify(pod.status)
          },
          { timeout: 60_000, interval: 250 },
        )
        .toBe('done')
      return pod as V1Pod
    }

    test('pods on the pod network get addresses of their own and reach each other; a log is read through the apiserver', async () => {
      const serverIp = server.status?.podIP ?? ''
      expect(serverIp).toMatch(/^10\.88\.0\.\d+$/)

      await startPod('client', {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'wget',
            image: busybox,
            imagePullPolicy: 'Never',
            command: [
              'sh',
              '-c',
              `cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; timeout 10 wget -q -O - http://${serverIp}:8080/ping`,
            ],
          },
        ],
      })
      const client = await podWhen('client', (p) =>
        ['Succeeded', 'Failed'].includes(`${p.status?.phase}`),
      )
      const log = await core.readNamespacedPodLog({ name: 'client', namespace })
      expect({ phase: client.status?.phase, log }).toEqual({
        phase: 'Succeeded',
        log: `${namespace}\npong\n`,
      })
      expect(client.status?.podIP).toMatch(/^10\.88\.0\.\d+$/)
      expect(client.status?.podIP).not.toBe(serverIp)
    })

    test('a host-network pod has the node address 127.0.0.1 and reaches the kube-apiserver there', async () => {
      const apiserverPort = Number(new URL(env.kube.server).port)
      await startPod('host', {
        hostNetwork: true,
        containers: [
          {
            name: 'pause',
            image: pauseImage,
            imagePullPolicy: 'Never',
            readinessProbe: {
              httpGet: { path: '/livez', port: apiserverPort, scheme: 'HTTPS' },
              periodSeconds: 1,
            },
          },
        ],
      })
      const pod = await podWhen('host', isReady)
      expect(pod.status?.podIP).toBe('127.0.0.1')
      expect(pod.spec?.nodeName).toBe(node?.name)
    })

    test('a port-forward through the apiserver and the kubelet reaches a pod', async () => {
      const forward = new PortForward(kc)
      const local = createServer((socket) => {
        forward
          .portForward(namespace, 'server', [8080], socket, null, socket)
          .catch(() => socket.destroy())
      })
      await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve))
      try {
        const { port } = local.address() as AddressInfo
        const res = await fetch(`http://127.0.0.1:${port}/ping`, {
          signal: AbortSignal.timeout(10_000),
        })
        expect(await res.text()).toBe('pong\n')
      } finally {
        local.close()
      }
    })
  },
)

import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { versions } from '../config.ts'
import type { NodeEnv } from '../env.ts'
import { hasImage, importImage, writeOciArchive } from '../image/oci.ts'
import { Daemon, info, portInUse, run, StackError, step, waitFor } from '../proc.ts'
import {
  assertApiserverServesNodes,
  goBuild,
  healthzAnswers,
  kubePaths,
  kubeRequest,
  nodeName,
  writeNodeKubeconfig,
} from './kube.ts'
import { cloudPatches, type NodeView, nodeReady } from './node-cloud.ts'
import {
  type ContainerdPaths,
  containerdPaths,
  overlayWorks,
  pauseImage,
  removeAllContainers,
  removePodNetwork,
  sbinEnv,
  unmountAllUnder,
  writeCniConfig,
  writeContainerdConfig,
} from './node-containerd.ts'
import type { Context, Service } from './service.ts'

/** The node's binaries: a cache of their own, so adding them never rebuilds the control plane's. */
export function nodeBinDir(ctx: Context): string {
  return join(ctx.config.cacheDir, `kubernetes-node-${versions.kubernetes}`, 'bin')
}

const commands = {
  kubelet: 'k8s.io/kubernetes/cmd/kubelet',
  'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
} as const

function nodeDir(ctx: Context): string {
  return join(ctx.config.stackDir, 'node')
}

function podLogsDir(ctx: Context): string {
  return join(nodeDir(ctx), 'pod-logs')
}

/** `ctr` with this node's containerd, namespace and snapshotter as its defaults. */
function ctrWrapper(ctx: Context): string {
  return join(ctx.config.stackDir, 'bin', 'ctr')
}

export function nodeEnv(ctx: Context): NodeEnv {
  return {
    name: nodeName,
    containerd: { address: containerdPaths(nodeDir(ctx)).address },
    ctr: { bin: ctrWrapper(ctx) },
  }
}

/** Where the kubelet links every container's log, whatever its configuration says. */
const containerLogLinks = '/var/log/containers'

/** Removes the links the kubelet made to the node's pod logs: their containers are gone. */
function removeContainerLogLinks(podLogsDir: string): void {
  if (!existsSync(containerLogLinks)) return
  for (const name of readdirSync(containerLogLinks)) {
    const link = join(containerLogLinks, name)
    try {
      if (readlinkSync(link).startsWith(`${podLogsDir}/`)) rmSync(link)
    } catch {
      // not a link, or gone already
    }
  }
}

function daemonsOf(ctx: Context) {
  return {
    containerd: new Daemon(ctx.config.stackDir, 'containerd'),
    scheduler: new Daemon(ctx.config.stackDir, 'kube-scheduler'),
    kubelet: new Daemon(ctx.config.stackDir, 'kubelet'),
  }
}

/** Whether the node runs: `up` without --node leaves it running and keeps it in env.json. */
export function nodeRunning(ctx: Context): boolean {
  return daemonsOf(ctx).kubelet.pid() !== undefined
}

/**
 * The kubelet's configuration for this machine: cgroup v1 with cgroupfs, no swap check,
 * eviction that a fairly full disk does not trip and no image garbage collection (no registry
 * could give an image back), its ports on loopback, every path under the stack's folder, and
 * requests authenticated by the stack's CA or a token, authorised by the apiserver.
 */
function kubeletConfig(ctx: Context, c: ContainerdPaths, caCert: string): object {
  const dir = nodeDir(ctx)
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    containerRuntimeEndpoint: `unix://${c.address}`,
    address: '127.0.0.1',
    port: ctx.config.ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ctx.config.ports.kubeletHealthz,
    failSwapOn: false,
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '1%',
      'imagefs.available': '1%',
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    podLogsDir: podLogsDir(ctx),
    volumePluginDir: join(dir, 'volume-plugins'),
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: caCert },
    },
    authorization: { mode: 'Webhook' },
  }
}

/**
 * A node for the stack: containerd (Debian's, with runc and the CNI plugins), the kubelet and
 * the kube-scheduler, built from stack/kube/go.mod. Only `up --node` starts it; `down` stops it
 * and leaves no container, shim or mount behind.
 */
export function node(ctx: Context): Service {
  const bin = nodeBinDir(ctx)
  const dir = nodeDir(ctx)
  const c = containerdPaths(dir)
  const daemons = daemonsOf(ctx)
  const { kubelet: kubeletPort, kubeletHealthz, kubeScheduler } = ctx.config.ports
  // Imports go through the wrapper, so they unpack into the snapshotter containerd runs with.
  const containerd = { bin: ctrWrapper(ctx), address: c.address }

  async function assertPortsFree(ports: Record<string, number>): Promise<void> {
    for (const [variable, port] of Object.entries(ports)) {
      if (await portInUse(port)) throw new StackError(`port ${port} is taken; set ${variable}`)
    }
  }

  async function startContainerd(): Promise<void> {
    if (daemons.containerd.pid() !== undefined) return
    mkdirSync(c.dir, { recursive: true })
    const snapshotter = (await overlayWorks(c.dir)) ? 'overlayfs' : 'native'
    if (snapshotter === 'native') info('overlay mounts do not work here: containerd copies layers')
    writeContainerdConfig(c, snapshotter)
    writeCniConfig(c)
    mkdirSync(join(ctrWrapper(ctx), '..'), { recursive: true })
    writeFileSync(
      ctrWrapper(ctx),
      `#!/bin/sh\nCONTAINERD_ADDRESS='${c.address}' CONTAINERD_NAMESPACE=k8s.io CONTAINERD_SNAPSHOTTER=${snapshotter} exec /usr/bin/ctr "$@"\n`,
    )
    chmodSync(ctrWrapper(ctx), 0o755)
    daemons.containerd.start('containerd', ['--config', c.config], { env: sbinEnv })
    await waitFor(
      'containerd',
      async () =>
        daemons.containerd.alive() &&
        // run() fails with a StackError, which would end the wait at the first refusal.
        run('ctr', ['--address', c.address, 'version']).then(
          () => true,
          () => false,
        ),
      { logFile: daemons.containerd.logFile },
    )
  }

  /** The sandbox image, built from stack/kube/pause, when containerd does not hold it yet. */
  async function ensurePauseImage(): Promise<void> {
    if (await hasImage(containerd, pauseImage)) return
    await step(`build ${pauseImage} from stack/kube/pause and import it`, async () => {
      const layer = join(dir, 'images', 'pause')
      const archive = join(dir, 'images', 'pause.tar')
      rmSync(layer, { recursive: true, force: true })
      await goBuild(ctx, ['./pause'], layer, { CGO_ENABLED: '0' })
      await writeOciArchive({
        name: pauseImage,
        layers: [{ dir: layer }],
        config: { Entrypoint: ['/pause'] },
        out: archive,
      })
      await importImage(containerd, archive)
    })
  }

  async function startScheduler(): Promise<void> {
    if (daemons.scheduler.pid() !== undefined) return
    await assertPortsFree({ FJORD_KUBE_SCHEDULER_PORT: kubeScheduler })
    daemons.scheduler.start(join(bin, 'kube-scheduler'), [
      `--kubeconfig=${kubePaths(ctx).kubeconfig}`,
      '--leader-elect=false',
      `--secure-port=${kubeScheduler}`,
      '--bind-address=127.0.0.1',
      `--cert-dir=${join(dir, 'kube-scheduler')}`,
      '--v=1',
    ])
    await waitFor(
      'kube-scheduler (/healthz)',
      async () => daemons.scheduler.alive() && (await healthzAnswers(kubeScheduler)),
      { logFile: daemons.scheduler.logFile },
    )
  }

  /** Starts the kubelet unless it runs; resolves with when it started (epoch if it ran before). */
  async function startKubelet(): Promise<Date> {
    if (daemons.kubelet.pid() !== undefined) return new Date(0)
    await assertPortsFree({
      FJORD_KUBELET_PORT: kubeletPort,
      FJORD_KUBELET_HEALTHZ_PORT: kubeletHealthz,
    })
    const kubeconfig = join(dir, 'kubelet.kubeconfig')
    const { caCert } = writeNodeKubeconfig(ctx, kubeconfig)
    const config = join(dir, 'kubelet.json')
    writeFileSync(config, `${JSON.stringify(kubeletConfig(ctx, c, caCert), null, 2)}\n`)
    const started = new Date()
    daemons.kubelet.start(
      join(bin, 'kubelet'),
      [
        `--config=${config}`,
        `--kubeconfig=${kubeconfig}`,
        `--root-dir=${join(dir, 'kubelet')}`,
        `--cert-dir=${join(dir, 'kubelet', 'pki')}`,
        `--hostname-override=${nodeName}`,
        // Registers without an address and keeps the one the stack sets (see node-cloud.ts).
        '--cloud-provider=external',
        '--v=1',
      ],
      { env: sbinEnv },
    )
    await waitFor(
      'kubelet (/healthz)',
      async () => {
        daemons.kubelet.alive()
        const res = await fetch(`http://127.0.0.1:${kubeletHealthz}/healthz`, {
          signal: AbortSignal.timeout(2000),
        })
        return res.ok
      },
      { logFile: daemons.kubelet.logFile },
    )
    return started
  }

  /** Initialises the Node as its cloud controller would, then waits until it is Ready. */
  async function initializeNode(since: Date): Promise<void> {
    const path = `/api/v1/nodes/${nodeName}`
    await waitFor(
      `node ${nodeName} Ready with address 127.0.0.1`,
      async () => {
        daemons.kubelet.alive()
        const { status, json } = await kubeRequest(ctx, 'GET', path)
        if (status === 404) return false
        if (status !== 200) throw new Error(`GET ${path} answered ${status}`)
        const node = json as NodeView
        const patches = cloudPatches(node, nodeName)
        // One patch a round: each is made against the version it was computed from.
        if (patches.status) await kubeRequest(ctx, 'PATCH', `${path}/status`, patches.status)
        else if (patches.spec) await kubeRequest(ctx, 'PATCH', path, patches.spec)
        else return nodeReady(node, since)
        return false
      },
      { timeoutMs: 120_000, logFile: daemons.kubelet.logFile },
    )
  }

  return {
    name: 'node',
    async install() {
      if (Object.keys(commands).every((name) => existsSync(join(bin, name)))) return
      await step(
        `build kubelet and kube-scheduler ${versions.kubernetes} from Go modules (minutes on a cold machine)`,
        () => goBuild(ctx, Object.values(commands), bin),
      )
    },
    async up() {
      if (Object.values(daemons).every((d) => d.pid() !== undefined)) {
        info(`node ${nodeName} already running`)
        return
      }
      if (process.getuid?.() !== 0) {
        throw new StackError(
          'the node runs containerd and a kubelet, which need root: run `up --node` as root',
        )
      }
      assertApiserverServesNodes(ctx)
      await startContainerd()
      await ensurePauseImage()
      await startScheduler()
      await initializeNode(await startKubelet())
    },
    async down() {
      await daemons.kubelet.stop()
      await removeAllContainers(c, daemons.containerd.pid() !== undefined)
      await daemons.containerd.stop()
      await daemons.scheduler.stop()
      await unmountAllUnder(dir)
      await removePodNetwork(c)
      removeContainerLogLinks(podLogsDir(ctx))
    },
    async status() {
      const parts = Object.values(daemons).map(
        (d) => `${d.name} ${d.pid() ? `pid ${d.pid()}` : 'stopped'}`,
      )
      return `${parts.join(', ')}; node ${nodeName}, containerd ${c.address}`
    },
    logFiles: () => Object.values(daemons).map((d) => d.logFile),
  }
}

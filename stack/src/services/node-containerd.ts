import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { run, StackError } from '../proc.ts'

/** The sandbox image containerd 1.6 asks for; the stack builds it (stack/kube/pause). */
export const pauseImage = 'registry.k8s.io/pause:3.6'
/** The pods' network: a bridge with no address on the host, so pods reach only each other. */
export const podSubnet = '10.88.0.0/24'
const bridge = 'fjord0'
const network = 'fjord-pods'

/**
 * The environment for the node's processes and tools: runc, ip, iptables (for the portmap
 * plugin) and mount live in sbin, which a user's PATH may lack.
 */
export const sbinEnv: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
}
const runTool = (command: string, args: string[]) => run(command, args, { env: sbinEnv })

export interface ContainerdPaths {
  dir: string
  config: string
  root: string
  state: string
  address: string
  /** runc's state: the shims run runc with `--root <runcRoot>/<namespace>`. */
  runcRoot: string
  cniConfDir: string
  ipamDir: string
}

export function containerdPaths(nodeDir: string): ContainerdPaths {
  const dir = join(nodeDir, 'containerd')
  return {
    dir,
    config: join(dir, 'config.toml'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    address: join(dir, 'containerd.sock'),
    runcRoot: join(dir, 'runc'),
    cniConfDir: join(nodeDir, 'cni', 'net.d'),
    ipamDir: join(nodeDir, 'cni', 'networks'),
  }
}

/**
 * Whether an overlay mount works under `dir` (some filesystems cannot be an overlay's upper
 * layer); the snapshotter is chosen by it.
 */
export async function overlayWorks(dir: string): Promise<boolean> {
  const probe = join(dir, `.overlay-probe-${process.pid}`)
  const lower = join(probe, 'lower')
  const upper = join(probe, 'upper')
  const work = join(probe, 'work')
  const merged = join(probe, 'merged')
  for (const d of [lower, upper, work, merged]) mkdirSync(d, { recursive: true })
  try {
    await runTool('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lower},upperdir=${upper},workdir=${work}`,
      merged,
    ])
    await runTool('umount', [merged])
    return true
  } catch {
    return false
  } finally {
    rmSync(probe, { recursive: true, force: true })
  }
}

/**
 * containerd's own configuration: every path under the stack's folder, and
 * `restrict_oom_score_adj`, without which runc fails every sandbox here (no CAP_SYS_RESOURCE).
 */
export function writeContainerdConfig(c: ContainerdPaths, snapshotter: string): void {
  mkdirSync(c.dir, { recursive: true })
  const cri = '[plugins."io.containerd.grpc.v1.cri"'
  writeFileSync(
    c.config,
    `# Written by \`stack up --node\`.
version = 2
root = "${c.root}"
state = "${c.state}"

[grpc]
  address = "${c.address}"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(c.root, 'opt')}"

${cri}]
  sandbox_image = "${pauseImage}"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  netns_mounts_under_state_dir = true

${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${c.cniConfDir}"

${cri}.containerd]
  snapshotter = "${snapshotter}"
  default_runtime_name = "runc"

${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

${cri}.containerd.runtimes.runc.options]
  Root = "${c.runcRoot}"
`,
  )
}

/**
 * The pods' CNI network: Debian's bridge plugin with `isGateway: false` and no masquerading, so
 * the host's interfaces get no address and pods send nothing beyond the bridge; host-local
 * addresses from a private /24, kept under the stack's folder. containerd adds loopback itself.
 */
export function writeCniConfig(c: ContainerdPaths): void {
  mkdirSync(c.cniConfDir, { recursive: true })
  const conflist = {
    cniVersion: '1.0.0',
    name: network,
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: false,
        ipMasq: false,
        ipam: { type: 'host-local', ranges: [[{ subnet: podSubnet }]], dataDir: c.ipamDir },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }
  writeFileSync(join(c.cniConfDir, '10-fjord.conflist'), `${JSON.stringify(conflist, null, 2)}\n`)
}

function lines(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
}

/** Pids of the runc shims this containerd started (their `-address` is its socket). */
function shimPids(address: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let args: string[]
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    if (!args[0]?.endsWith('containerd-shim-runc-v2')) continue
    const at = args.indexOf('-address')
    if (at !== -1 && args[at + 1] === address) pids.push(Number(entry))
  }
  return pids
}

/**
 * Kills and removes every pod sandbox and container of the node, then its shims: none may
 * outlive `down`. Through containerd when it runs, then through runc's state for whatever
 * containerd no longer knew of, then the shims by pid (they run in process groups of their own).
 */
export async function removeAllContainers(
  c: ContainerdPaths,
  containerdRunning: boolean,
): Promise<void> {
  if (containerdRunning) {
    const ctr = (args: string[]) =>
      runTool('ctr', ['--address', c.address, '-n', 'k8s.io', ...args])
    // One at a time, a vanished one forgiven: killing a pod's sandbox ends its containers too.
    for (const task of lines(await ctr(['tasks', 'ls', '-q']))) {
      await ctr(['tasks', 'delete', '--force', task]).catch(() => {})
    }
    for (const container of lines(await ctr(['containers', 'ls', '-q']))) {
      await ctr(['containers', 'delete', container]).catch(() => {})
    }
    const left = lines(await ctr(['tasks', 'ls', '-q']))
    if (left.length > 0) throw new StackError(`containerd still runs the tasks ${left.join(', ')}`)
  }
  const runcRoot = join(c.runcRoot, 'k8s.io')
  if (existsSync(runcRoot)) {
    for (const id of lines(await runTool('runc', ['--root', runcRoot, 'list', '-q']))) {
      await runTool('runc', ['--root', runcRoot, 'delete', '--force', id])
    }
  }
  for (const pid of shimPids(c.address)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // exited on its own meanwhile
    }
  }
  while (shimPids(c.address).length > 0) await sleep(50)
}

/** Where libcni caches each attachment's result; containerd 1.6 cannot move it. */
const cniResults = '/var/lib/cni/results'

/**
 * After every pod is gone: its addresses are free again, the bridge can go, and so can the
 * results libcni cached for the pods' attachments (a CNI DEL would have removed them; the
 * pods went without one).
 */
export async function removePodNetwork(c: ContainerdPaths): Promise<void> {
  rmSync(c.ipamDir, { recursive: true, force: true })
  if (existsSync(`/sys/class/net/${bridge}`)) await runTool('ip', ['link', 'delete', bridge])
  if (!existsSync(cniResults)) return
  for (const file of readdirSync(cniResults)) {
    const sandbox = new RegExp(`^${network}-([0-9a-f]{64})-eth0$`).exec(file)?.[1]
    if (sandbox === undefined) continue
    rmSync(join(cniResults, file))
    rmSync(join(cniResults, `cni-loopback-${sandbox}-lo`), { force: true })
  }
}

/** Mount points under `dir`, deepest first, from the kernel's table (octal escapes undone). */
function mountsUnder(dir: string): string[] {
  const prefix = `${dir}/`
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) =>
      p.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    )
    .filter((p) => p.startsWith(prefix))
    .sort((a, b) => b.length - a.length)
}

/**
 * Unmounts whatever the kubelet and containerd mounted under `dir` (volumes, rootfs overlays,
 * network namespaces), so the folder can be deleted; a mount still busy is detached lazily.
 */
export async function unmountAllUnder(dir: string): Promise<void> {
  // A mount can be stacked on another, or vanish with its parent: a few passes, each retried.
  for (let pass = 0; pass < 5; pass++) {
    const mounts = mountsUnder(dir)
    if (mounts.length === 0) return
    for (const mount of mounts) {
      await runTool('umount', [mount]).catch(() =>
        runTool('umount', ['--lazy', mount]).catch(() => {}),
      )
    }
  }
  const left = mountsUnder(dir)
  if (left.length > 0) {
    throw new StackError(`could not unmount ${left.join(', ')}; unmount them with \`umount\``)
  }
}

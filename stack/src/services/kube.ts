import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { versions } from '../config.ts'
import { Daemon, info, portInUse, run, StackError, step, waitFor } from '../proc.ts'
import type { Context, Service } from './service.ts'

/** The Go packages built from stack/kube/go.mod, named as their binaries. */
const commands = {
  etcd: './etcd',
  'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
  'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
} as const

export function kubeBinDir(ctx: Context): string {
  return join(ctx.config.cacheDir, `kubernetes-${versions.kubernetes}-etcd-${versions.etcd}`, 'bin')
}

/** The node's name, and the user its kubelet authenticates as (Node authorizer). */
export const nodeName = 'fjord-node'

/** Without these, `/version` reports v0.0.0-master. */
function versionLdflags(): string {
  const [major, minor] = versions.kubernetes.slice(1).split('.')
  const pkg = 'k8s.io/component-base/version'
  return [
    `-X ${pkg}.gitVersion=${versions.kubernetes}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ].join(' ')
}

/**
 * `go build`s Go packages of stack/kube/go.mod into `bin`, made aside and renamed into place so
 * that a build cut short is never taken for a finished one.
 */
export async function goBuild(
  ctx: Context,
  packages: string[],
  bin: string,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const partial = `${bin}.partial-${process.pid}`
  mkdirSync(partial, { recursive: true })
  await run('go', ['build', '-ldflags', versionLdflags(), '-o', `${partial}/`, ...packages], {
    cwd: join(ctx.config.repoRoot, 'stack', 'kube'),
    env: { ...process.env, ...env },
  })
  mkdirSync(join(bin, '..'), { recursive: true })
  renameSync(partial, bin)
}

interface Pki {
  dir: string
  caCert: string
  serverCert: string
  serverKey: string
  serviceAccountKey: string
  serviceAccountPub: string
  /** The apiserver's client certificate towards kubelets (system:masters). */
  kubeletClientCert: string
  kubeletClientKey: string
  /** The bearer token of the node's kubelet. */
  nodeToken: string
}

function pkiPaths(dir: string): Pki {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
    kubeletClientCert: join(dir, 'apiserver-kubelet-client.crt'),
    kubeletClientKey: join(dir, 'apiserver-kubelet-client.key'),
    nodeToken: join(dir, 'node.token'),
  }
}

/** A key and a certificate for `subject`, signed by the stack's CA with the extensions `ext`. */
async function issueCert(dir: string, name: string, subject: string, ext: string): Promise<void> {
  const extFile = join(dir, `${name}.ext`)
  const csr = join(dir, `${name}.csr`)
  writeFileSync(extFile, `${ext}\n`)
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir })
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    subject,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    csr,
  ])
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '3650',
    '-extfile',
    extFile,
    '-out',
    join(dir, `${name}.crt`),
  ])
}

/**
 * A CA, a serving certificate for 127.0.0.1, the service-account key pair, the apiserver's
 * client certificate for kubelets and the node's token. A stack made before the node existed
 * gets the last two added; nothing else changes.
 */
async function ensurePki(dir: string): Promise<Pki> {
  const pki = pkiPaths(dir)
  if (!existsSync(pki.serviceAccountPub)) await createPki(pki)
  if (!existsSync(pki.kubeletClientCert)) {
    await issueCert(
      dir,
      'apiserver-kubelet-client',
      '/O=system:masters/CN=kube-apiserver-kubelet-client',
      'extendedKeyUsage=clientAuth',
    )
  }
  if (!existsSync(pki.nodeToken)) {
    writeFileSync(pki.nodeToken, randomBytes(18).toString('base64url'), { mode: 0o600 })
  }
  return pki
}

async function createPki(pki: Pki): Promise<void> {
  const { dir } = pki
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const caKey = join(dir, 'ca.key')
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir })
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '3650',
    '-subj',
    '/CN=fjord-stack-ca',
    '-keyout',
    caKey,
    '-out',
    pki.caCert,
  ])
  await issueCert(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc',
  )
  await openssl(['genrsa', '-out', pki.serviceAccountKey, '2048'])
  await openssl(['rsa', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub])
}

function kubeconfig(
  server: string,
  caCert: string,
  user: { name: string; token: string; about: string },
): string {
  const ca = readFileSync(caCert).toString('base64')
  return `# Written by \`stack up\`: ${user.about} of the local kube-apiserver.
apiVersion: v1
kind: Config
clusters:
  - name: fjord-stack
    cluster:
      server: ${server}
      certificate-authority-data: ${ca}
users:
  - name: ${user.name}
    user:
      token: ${user.token}
contexts:
  - name: fjord-stack
    context:
      cluster: fjord-stack
      user: ${user.name}
current-context: fjord-stack
`
}

/** A request over TLS with the stack's CA; resolves with the status code and body. */
function httpsRequest(
  url: string,
  ca: Buffer,
  {
    token,
    method = 'GET',
    body,
    contentType,
  }: { token?: string; method?: string; body?: string; contentType?: string } = {},
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  if (contentType) headers['content-type'] = contentType
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method, headers, timeout: 5000 }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * Calls the stack's kube-apiserver as its admin: a JSON body is sent as a merge patch, the
 * answer parsed as JSON. Resolves with the status code, so callers decide what 404 or 409 mean.
 */
export async function kubeRequest(
  ctx: Context,
  method: 'GET' | 'PATCH',
  path: string,
  body?: object,
  // biome-ignore lint/suspicious/noExplicitAny: raw Kubernetes JSON, read field by field
): Promise<{ status: number; json: any }> {
  const { server } = kubePaths(ctx)
  const res = await httpsRequest(`${server}${path}`, readFileSync(stackPki(ctx).caCert), {
    token: ctx.secrets.kubeAdminToken,
    method,
    body: body && JSON.stringify(body),
    contentType: body && 'application/merge-patch+json',
  })
  return { status: res.status, json: res.body ? JSON.parse(res.body) : undefined }
}

/** Whether a component's secure port on 127.0.0.1 answers `/healthz` with 200. */
export async function healthzAnswers(port: number): Promise<boolean> {
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      `https://127.0.0.1:${port}/healthz`,
      { rejectUnauthorized: false, timeout: 2000 },
      (r) => {
        r.resume()
        resolve(r.statusCode ?? 0)
      },
    )
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
  return status === 200
}

export interface KubePaths {
  kubeconfig: string
  server: string
}

export function kubePaths(ctx: Context): KubePaths {
  return {
    kubeconfig: join(ctx.config.stackDir, 'kube', 'kubeconfig'),
    server: `https://127.0.0.1:${ctx.config.ports.kubeApiserver}`,
  }
}

/** The apiserver flags a node needs; an apiserver started without them must be restarted. */
function nodeFlags(pki: Pki): string[] {
  return [
    '--authorization-mode=Node,RBAC',
    `--kubelet-client-certificate=${pki.kubeletClientCert}`,
    `--kubelet-client-key=${pki.kubeletClientKey}`,
    // The node's only address is 127.0.0.1, set by the stack acting as its cloud controller.
    '--kubelet-preferred-address-types=InternalIP',
  ]
}

function stackPki(ctx: Context): Pki {
  return pkiPaths(join(ctx.config.stackDir, 'kube', 'pki'))
}

/** Fails with what to do when the running kube-apiserver was started before the stack had a node. */
export function assertApiserverServesNodes(ctx: Context): void {
  const pid = new Daemon(ctx.config.stackDir, 'kube-apiserver').pid()
  const args = pid === undefined ? [] : readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  if (!nodeFlags(stackPki(ctx)).every((flag) => args.includes(flag))) {
    throw new StackError(
      'the running kube-apiserver was started before the stack had a node and cannot serve one; restart the stack with `npm run stack -- down` and then `npm run stack -- up --node`',
    )
  }
}

/** Writes the kubeconfig of the node's kubelet: the user system:node:fjord-node. */
export function writeNodeKubeconfig(ctx: Context, path: string): { caCert: string } {
  const pki = stackPki(ctx)
  writeFileSync(
    path,
    kubeconfig(kubePaths(ctx).server, pki.caCert, {
      name: `system:node:${nodeName}`,
      token: readFileSync(pki.nodeToken, 'utf8').trim(),
      about: `the identity of the kubelet of ${nodeName}`,
    }),
    { mode: 0o600 },
  )
  return { caCert: pki.caCert }
}

/** etcd, kube-apiserver and kube-controller-manager, started the way envtest starts them. */
export function kube(ctx: Context): Service {
  const bin = kubeBinDir(ctx)
  const dir = join(ctx.config.stackDir, 'kube')
  const { etcd: etcdPort, etcdPeer, kubeApiserver, kubeControllerManager } = ctx.config.ports
  const token = ctx.secrets.kubeAdminToken
  const { kubeconfig: kubeconfigFile, server } = kubePaths(ctx)
  const daemons = {
    etcd: new Daemon(ctx.config.stackDir, 'etcd'),
    apiserver: new Daemon(ctx.config.stackDir, 'kube-apiserver'),
    controllerManager: new Daemon(ctx.config.stackDir, 'kube-controller-manager'),
  }
  const etcdUrl = `http://127.0.0.1:${etcdPort}`

  async function etcdHealthy(): Promise<boolean> {
    const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2000) })
    return res.ok && ((await res.json()) as { health?: string }).health === 'true'
  }

  async function apiserverReady(ca: Buffer): Promise<boolean> {
    const res = await httpsRequest(`${server}/readyz`, ca, { token })
    return res.status === 200 && res.body.trim() === 'ok'
  }

  async function startEtcd(): Promise<void> {
    if (daemons.etcd.pid() !== undefined) return
    for (const p of [etcdPort, etcdPeer]) {
      if (await portInUse(p))
        throw new StackError(`port ${p} is taken; set FJORD_ETCD_PORT / FJORD_ETCD_PEER_PORT`)
    }
    const peerUrl = `http://127.0.0.1:${etcdPeer}`
    daemons.etcd.start(join(bin, 'etcd'), [
      '--name=fjord',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=fjord=${peerUrl}`,
      // A development and test stack: speed over durability on power loss, as envtest does.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ])
    await waitFor('etcd', () => daemons.etcd.alive() && etcdHealthy(), {
      logFile: daemons.etcd.logFile,
    })
  }

  async function startApiserver(pki: Pki): Promise<void> {
    const ca = readFileSync(pki.caCert)
    if (daemons.apiserver.pid() !== undefined) return
    if (await portInUse(kubeApiserver)) {
      throw new StackError(`port ${kubeApiserver} is taken; set FJORD_KUBE_APISERVER_PORT`)
    }
    const tokens = join(pki.dir, 'tokens.csv')
    const node = `system:node:${nodeName}`
    const nodeToken = readFileSync(pki.nodeToken, 'utf8').trim()
    writeFileSync(
      tokens,
      `${token},admin,admin,"system:masters"\n${nodeToken},${node},${node},"system:nodes"\n`,
      { mode: 0o600 },
    )
    daemons.apiserver.start(join(bin, 'kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      `--secure-port=${kubeApiserver}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // No Service proxy runs here: a loopback advertise address needs no endpoints.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${tokens}`,
      ...nodeFlags(pki),
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--v=1',
    ])
    await waitFor(
      'kube-apiserver (/readyz)',
      () => daemons.apiserver.alive() && apiserverReady(ca),
      {
        timeoutMs: 90_000,
        logFile: daemons.apiserver.logFile,
      },
    )
  }

  async function startControllerManager(pki: Pki): Promise<void> {
    if (daemons.controllerManager.pid() !== undefined) return
    if (await portInUse(kubeControllerManager)) {
      throw new StackError(
        `port ${kubeControllerManager} is taken; set FJORD_KUBE_CONTROLLER_MANAGER_PORT`,
      )
    }
    daemons.controllerManager.start(join(bin, 'kube-controller-manager'), [
      `--kubeconfig=${kubeconfigFile}`,
      // Namespace deletion and owner-reference garbage collection are what the apiserver alone
      // lacks. For the node's pods: Deployments, Jobs, PodDisruptionBudgets, the kube-root-ca.crt
      // ConfigMap (every service-account token volume mounts it) and the node lifecycle, which
      // lifts the not-ready taint a new node is created with (without the taint-eviction
      // controller it evicts nothing). The StatefulSet controller stays off: tests drive
      // StatefulSet status by hand.
      `--controllers=${[
        'namespace',
        'garbagecollector',
        'serviceaccount',
        'serviceaccount-token',
        'deployment',
        'replicaset',
        'job',
        'root-ca-cert-publisher',
        'disruption',
        'nodelifecycle',
      ].join(',')}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--leader-elect=false',
      `--secure-port=${kubeControllerManager}`,
      '--bind-address=127.0.0.1',
      `--cert-dir=${join(dir, 'controller-manager')}`,
      '--v=1',
    ])
    const probe = async () =>
      daemons.controllerManager.alive() && (await healthzAnswers(kubeControllerManager))
    await waitFor('kube-controller-manager (/healthz)', probe, {
      timeoutMs: 60_000,
      logFile: daemons.controllerManager.logFile,
    })
  }

  return {
    name: 'kube',
    async install() {
      if (Object.keys(commands).every((name) => existsSync(join(bin, name)))) return
      await step(
        `build etcd ${versions.etcd}, kube-apiserver and kube-controller-manager ${versions.kubernetes} from Go modules (minutes on a cold machine)`,
        () => goBuild(ctx, Object.values(commands), bin),
      )
    },
    async up() {
      if (Object.values(daemons).every((d) => d.pid() !== undefined)) {
        info(`kube-apiserver already running at ${server}`)
        return
      }
      const pki = await ensurePki(join(dir, 'pki'))
      writeFileSync(
        kubeconfigFile,
        kubeconfig(server, pki.caCert, {
          name: 'admin',
          token,
          about: 'the admin identity (system:masters)',
        }),
        { mode: 0o600 },
      )
      await startEtcd()
      await startApiserver(pki)
      await startControllerManager(pki)
    },
    async down() {
      await daemons.controllerManager.stop()
      await daemons.apiserver.stop()
      await daemons.etcd.stop()
    },
    async status() {
      const parts = Object.values(daemons).map(
        (d) => `${d.name} ${d.pid() ? `pid ${d.pid()}` : 'stopped'}`,
      )
      return `${parts.join(', ')}; ${server} (kubeconfig ${kubeconfigFile})`
    },
    logFiles: () => Object.values(daemons).map((d) => d.logFile),
  }
}

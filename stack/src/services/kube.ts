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

interface Pki {
  dir: string
  caCert: string
  serverCert: string
  serverKey: string
  serviceAccountKey: string
  serviceAccountPub: string
}

/** A CA, a serving certificate for 127.0.0.1 and the service-account key pair. */
async function ensurePki(dir: string): Promise<Pki> {
  const pki: Pki = {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  }
  if (existsSync(pki.serviceAccountPub)) return pki
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const caKey = join(dir, 'ca.key')
  const csr = join(dir, 'apiserver.csr')
  const ext = join(dir, 'apiserver.ext')
  writeFileSync(
    ext,
    'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n',
  )
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
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=kube-apiserver',
    '-keyout',
    pki.serverKey,
    '-out',
    csr,
  ])
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    pki.caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '3650',
    '-extfile',
    ext,
    '-out',
    pki.serverCert,
  ])
  await openssl(['genrsa', '-out', pki.serviceAccountKey, '2048'])
  await openssl(['rsa', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub])
  return pki
}

function kubeconfig(server: string, caCert: string, token: string): string {
  const ca = readFileSync(caCert).toString('base64')
  return `# Written by \`stack up\`: the admin identity (system:masters) of the local kube-apiserver.
apiVersion: v1
kind: Config
clusters:
  - name: fjord-stack
    cluster:
      server: ${server}
      certificate-authority-data: ${ca}
users:
  - name: admin
    user:
      token: ${token}
contexts:
  - name: fjord-stack
    context:
      cluster: fjord-stack
      user: admin
current-context: fjord-stack
`
}

/** GET over TLS with the stack's CA; resolves with the status code and body. */
function httpsGet(
  url: string,
  ca: Buffer,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca, headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 2000 },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
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
    const res = await httpsGet(`${server}/readyz`, ca, token)
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
    writeFileSync(tokens, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 })
    daemons.apiserver.start(join(bin, 'kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      `--secure-port=${kubeApiserver}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // No kubelets or Service proxies here: a loopback advertise address needs no endpoints.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${tokens}`,
      '--authorization-mode=RBAC',
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
      // lacks; the workload controllers stay off so tests can drive StatefulSet status.
      '--controllers=namespace,garbagecollector,serviceaccount,serviceaccount-token',
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--leader-elect=false',
      `--secure-port=${kubeControllerManager}`,
      '--bind-address=127.0.0.1',
      `--cert-dir=${join(dir, 'controller-manager')}`,
      '--v=1',
    ])
    const probe = async () => {
      daemons.controllerManager.alive()
      const res = await new Promise<number>((resolve, reject) => {
        request(
          `https://127.0.0.1:${kubeControllerManager}/healthz`,
          { rejectUnauthorized: false, timeout: 2000 },
          (r) => {
            r.resume()
            resolve(r.statusCode ?? 0)
          },
        )
          .on('error', reject)
          .end()
      })
      return res === 200
    }
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
        async () => {
          const partial = `${bin}.partial-${process.pid}`
          mkdirSync(partial, { recursive: true })
          await run(
            'go',
            [
              'build',
              '-ldflags',
              versionLdflags(),
              '-o',
              `${partial}/`,
              ...Object.values(commands),
            ],
            {
              cwd: join(ctx.config.repoRoot, 'stack', 'kube'),
            },
          )
          renameSync(partial, bin)
        },
      )
    },
    async up() {
      if (Object.values(daemons).every((d) => d.pid() !== undefined)) {
        info(`kube-apiserver already running at ${server}`)
        return
      }
      const pki = await ensurePki(join(dir, 'pki'))
      writeFileSync(kubeconfigFile, kubeconfig(server, pki.caCert, token), { mode: 0o600 })
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

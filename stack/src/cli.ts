import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ensureConsoleBuilt } from '@fjord/web/build'
import { loadConfig } from './config.ts'
import { type StackEnv, stackEnvPath } from './env.ts'
import { StackError, step } from './proc.ts'
import { runProduct } from './product.ts'
import { ensureDebianPackages, nodeDebianPackages } from './services/debian.ts'
import {
  kafka,
  kafkaAdminMechanism,
  kafkaAdminUser,
  kafkaTenantMechanism,
} from './services/kafka.ts'
import { kube, kubePaths } from './services/kube.ts'
import { node, nodeEnv, nodeRunning } from './services/node.ts'
import { ensureDatabase, postgres, postgresUrl } from './services/postgres.ts'
import { type Context, loadSecrets, type Service } from './services/service.ts'
import { helmBin, installHelm, installKcat } from './services/tools.ts'

const usage = `Usage: npm run stack -- <command> [options]

The real services Fjord runs on and is tested against, on loopback:
PostgreSQL, Apache Kafka (KRaft, SASL/SCRAM, ACLs), etcd, kube-apiserver and
kube-controller-manager; plus Helm, kcat and Chromium for tests, and the web console's
build (made again only when its sources change).

Commands:
  up        install what is missing, start every service, wait until each answers
  start     up, then run the product on it in the foreground (api, operator); Ctrl-C stops all
  down      stop every service (data is kept); the node's pods and mounts are removed
  status    one line per service
  logs      the last lines of each service's log (or: logs <service> [-n lines])
  clean     stop everything and delete the data folder (not the build cache)
  database <name>  create a database on the stack PostgreSQL unless it exists; print its URL

Options:
  --node    (up, start) also a node: containerd, kubelet and kube-scheduler, so pods run
            (as root; minutes to build the first time). \`up\` without it leaves a node running.

Environment:
  FJORD_STACK_DIR     data, logs, secrets (default: <repo>/.stack)
  FJORD_CACHE_DIR     version-keyed build cache (default: ~/.cache/fjord)
  FJORD_POSTGRES_PORT (54329) FJORD_KAFKA_PORT (19092) FJORD_KAFKA_CONTROLLER_PORT (19093)
  FJORD_ETCD_PORT (12379) FJORD_ETCD_PEER_PORT (12380) FJORD_KUBE_APISERVER_PORT (16443)
  FJORD_KUBE_CONTROLLER_MANAGER_PORT (16444) FJORD_KUBE_SCHEDULER_PORT (16445)
  FJORD_KUBELET_PORT (16450) FJORD_KUBELET_HEALTHZ_PORT (16451)
`

const commands: readonly string[] = ['up', 'start', 'down', 'status', 'logs', 'database', 'clean']

/** Every service; the node last, so that `down` stops it first. */
function services(ctx: Context): Service[] {
  return [postgres(ctx), kafka(ctx), kube(ctx), node(ctx)]
}

async function up(ctx: Context, withNode: boolean): Promise<StackEnv> {
  const started = performance.now()
  await step('Debian packages (postgresql, kcat, chromium, openssl)', ensureDebianPackages)
  if (withNode) {
    await step(`Debian packages for the node (${nodeDebianPackages.join(', ')})`, () =>
      ensureDebianPackages(nodeDebianPackages),
    )
  }
  const all = services(ctx).filter((s) => withNode || s.name !== 'node')
  for (const service of all) await service.install()
  await installHelm(ctx)
  const kcat = await installKcat(ctx)
  await step('web console build (when its sources changed)', () => ensureConsoleBuilt())
  for (const service of all) await step(`start ${service.name}`, () => service.up())
  const { kubeconfig, server } = kubePaths(ctx)
  const env: StackEnv = {
    postgres: { url: postgresUrl(ctx), adminUrl: postgresUrl(ctx, 'postgres') },
    kafka: {
      bootstrapServers: `127.0.0.1:${ctx.config.ports.kafka}`,
      saslMechanism: kafkaAdminMechanism,
      admin: { username: kafkaAdminUser, password: ctx.secrets.kafkaAdminPassword },
    },
    kube: { server, kubeconfig, token: ctx.secrets.kubeAdminToken },
    helm: { bin: helmBin(ctx) },
    kcat,
    chromium: { bin: '/usr/bin/chromium' },
    ...(withNode || nodeRunning(ctx) ? { node: nodeEnv(ctx) } : {}),
  }
  writeFileSync(stackEnvPath(ctx.config.stackDir), `${JSON.stringify(env, null, 2)}\n`, {
    mode: 0o600,
  })
  const total = ((performance.now() - started) / 1000).toFixed(1)
  process.stdout.write(`
Fjord stack is up (${total}s).
  PostgreSQL       ${env.postgres.url.replace(ctx.secrets.postgresPassword, '***')}
  Kafka            ${env.kafka.bootstrapServers} (SASL_PLAINTEXT; admin ${kafkaAdminUser} on ${kafkaAdminMechanism}, tenants on ${kafkaTenantMechanism})
  kube-apiserver   ${server}   KUBECONFIG=${kubeconfig}
  helm             ${env.helm.bin}
  kcat             ${kcat.bin}
${env.node ? `  node             ${env.node.name} (containerd ${env.node.containerd.address}; ctr ${env.node.ctr.bin})\n` : ''}Secrets and connection details: ${stackEnvPath(ctx.config.stackDir)}
Stop with \`npm run stack down\`; logs with \`npm run stack logs\`.
`)
  return env
}

async function down(ctx: Context): Promise<void> {
  for (const service of services(ctx).reverse())
    await step(`stop ${service.name}`, () => service.down())
}

async function status(ctx: Context): Promise<void> {
  for (const service of services(ctx)) {
    process.stdout.write(`${service.name.padEnd(10)} ${await service.status()}\n`)
  }
}

function logs(ctx: Context, name: string | undefined, lines: number): void {
  const all = services(ctx)
  const chosen = name === undefined ? all : all.filter((s) => s.name === name)
  if (chosen.length === 0) {
    throw new StackError(
      `no service "${name}"; the services are: ${all.map((s) => s.name).join(', ')}`,
    )
  }
  for (const file of chosen.flatMap((s) => s.logFiles())) {
    process.stdout.write(`==> ${file} <==\n`)
    if (!existsSync(file)) {
      process.stdout.write('(no log yet)\n')
      continue
    }
    process.stdout.write(
      `${readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}\n`,
    )
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      lines: { type: 'string', short: 'n', default: '40' },
      help: { type: 'boolean', short: 'h' },
      node: { type: 'boolean', default: false },
    },
  })
  const [command, ...rest] = positionals
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(usage)
    return
  }
  if (!commands.includes(command)) throw new StackError(`unknown command "${command}"\n\n${usage}`)
  const config = loadConfig()
  const ctx: Context = { config, secrets: loadSecrets(config.stackDir) }
  switch (command as (typeof commands)[number]) {
    case 'up':
      await up(ctx, values.node)
      return
    case 'start':
      return runProduct(ctx, await up(ctx, values.node), () => down(ctx))
    case 'down':
      return down(ctx)
    case 'status':
      return status(ctx)
    case 'logs': {
      const lines = Number(values.lines)
      if (!Number.isInteger(lines) || lines < 1)
        throw new StackError(`-n takes a whole number, got "${values.lines}"`)
      return logs(ctx, rest[0], lines)
    }
    case 'database': {
      if (rest[0] === undefined)
        throw new StackError('database needs a name, e.g. `database fjord_test`')
      process.stdout.write(`${await ensureDatabase(ctx, rest[0])}\n`)
      return
    }
    case 'clean':
      await down(ctx)
      rmSync(config.stackDir, { recursive: true, force: true })
      process.stdout.write(`removed ${config.stackDir}\n`)
      return
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof StackError ||
    (error instanceof Error && error.name === 'TypeError' && 'code' in error)
  ) {
    process.stderr.write(`stack: ${error.message}\n`)
  } else {
    process.stderr.write(
      `stack: unexpected failure\n${error instanceof Error ? error.stack : String(error)}\n`,
    )
  }
  process.exit(1)
})

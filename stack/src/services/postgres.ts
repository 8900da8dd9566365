import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { info, portInUse, run, StackError, waitFor } from '../proc.ts'
import type { Context, Service } from './service.ts'

const database = 'fjord'
const role = 'fjord'

/** The newest PostgreSQL server that Debian's packages installed. */
function serverBinDir(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions[0] === undefined) {
    throw new StackError(
      `no PostgreSQL server under ${root}: install Debian's \`postgresql\` package`,
    )
  }
  return join(root, versions[0], 'bin')
}

/** Runs a server binary as the `postgres` user: initdb and the server refuse to run as root. */
function asPostgres(bin: string, args: string[]) {
  const command = join(serverBinDir(), bin)
  return process.getuid?.() === 0
    ? (['runuser', ['-u', 'postgres', '--', command, ...args]] as const)
    : ([command, args] as const)
}

export function postgresUrl(
  ctx: Context,
  user = role,
  password = ctx.secrets.postgresPassword,
  db = user === role ? database : 'postgres',
): string {
  return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${ctx.config.ports.postgres}/${db}`
}

/** Creates the database `name`, owned by the fjord role, unless it exists; returns its URL. */
export async function ensureDatabase(ctx: Context, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new StackError(`"${name}" is not a database name: use lower-case letters, digits and _`)
  }
  const superUrl = postgresUrl(ctx, 'postgres')
  const exists = await query(superUrl, 'select 1 from pg_database where datname = $1', [name])
  if (exists.rowCount === 0) await query(superUrl, `create database ${name} owner ${role}`)
  return postgresUrl(ctx, role, ctx.secrets.postgresPassword, name)
}

async function query(url: string, sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  await client.connect()
  try {
    return await client.query(sql, values)
  } finally {
    await client.end()
  }
}

export function postgres(ctx: Context): Service {
  const dir = join(ctx.config.stackDir, 'postgres')
  const dataDir = join(dir, 'data')
  const logFile = join(dir, 'server.log')
  const port = ctx.config.ports.postgres
  const superUrl = postgresUrl(ctx, 'postgres')

  const running = () => existsSync(join(dataDir, 'postmaster.pid'))

  async function initialise(): Promise<void> {
    mkdirSync(dir, { recursive: true })
    const pwFile = join(dir, 'superuser-password')
    writeFileSync(pwFile, ctx.secrets.postgresPassword, { mode: 0o600 })
    if (process.getuid?.() === 0) {
      const uid = Number(await run('id', ['-u', 'postgres']))
      const gid = Number(await run('id', ['-g', 'postgres']))
      chownSync(dir, uid, gid)
      chownSync(pwFile, uid, gid)
    }
    const [cmd, args] = asPostgres('initdb', [
      '--pgdata',
      dataDir,
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--auth-local=scram-sha-256',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ])
    try {
      await run(cmd, [...args], { logFile: join(dir, 'initdb.log') })
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true })
      throw new StackError(
        `initdb failed; the postgres user must be able to enter every folder above ${dir}.\n${(error as Error).message}`,
      )
    } finally {
      rmSync(pwFile, { force: true })
    }
  }

  async function createDatabase(): Promise<void> {
    const exists = await query(superUrl, 'select 1 from pg_roles where rolname = $1', [role])
    if (exists.rowCount === 0) {
      await query(
        superUrl,
        `create role ${role} login createdb password '${ctx.secrets.postgresPassword}'`,
      )
    }
    const db = await query(superUrl, 'select 1 from pg_database where datname = $1', [database])
    if (db.rowCount === 0) await query(superUrl, `create database ${database} owner ${role}`)
  }

  return {
    name: 'postgres',
    async install() {
      serverBinDir()
    },
    async up() {
      if (running() && (await portInUse(port))) {
        info(`postgres already running on 127.0.0.1:${port}`)
        return
      }
      if (await portInUse(port)) {
        throw new StackError(`port ${port} is taken by another program; set FJORD_POSTGRES_PORT`)
      }
      if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise()
      const [cmd, args] = asPostgres('pg_ctl', [
        'start',
        '--pgdata',
        dataDir,
        '--wait',
        '--timeout=60',
        `--log=${logFile}`,
        '--options',
        // TCP on loopback only: a socket path under a deep clone can exceed the 107-byte limit.
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
      ])
      await run(cmd, [...args])
      await waitFor('postgres', async () => (await query(superUrl, 'select 1')).rowCount === 1, {
        logFile,
      })
      await createDatabase()
    },
    async down() {
      if (!running()) return
      const [cmd, args] = asPostgres('pg_ctl', [
        'stop',
        '--pgdata',
        dataDir,
        '--mode=fast',
        '--wait',
      ])
      await run(cmd, [...args])
    },
    async status() {
      if (!running()) return 'stopped'
      const ok = await query(postgresUrl(ctx), 'select 1').then(
        () => true,
        () => false,
      )
      return `${ok ? 'running' : 'not answering'} on 127.0.0.1:${port} (database ${database})`
    },
    logFiles: () => [logFile],
  }
}

import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { readStackEnv } from '../src/env.ts'
import { ensureFjordImages, type FjordImages, fjordUser } from '../src/image/fjord.ts'

const exec = promisify(execFile)
const config = loadConfig()
const scratch = mkdtempSync(join(tmpdir(), 'fjord-image-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

/** One entry of `tar -tv`: what an image's file system will hold. */
interface Entry {
  mode: string
  owner: string
  name: string
  target?: string
}

async function listLayer(blob: string): Promise<Entry[]> {
  const { stdout } = await exec('tar', ['--numeric-owner', '-tvzf', blob], {
    maxBuffer: 256 * 1024 * 1024,
  })
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => {
      const [, mode = '', owner = '', rest = ''] =
        /^(\S+) (\d+\/\d+)\s+\d+ \S+ \S+ (.*)$/.exec(line) ?? []
      const [name = '', target] = mode.startsWith('l') ? rest.split(' -> ') : [rest]
      return { mode, owner, name, target }
    })
}

/** The image's config and its layers' blobs, read from the archive as an importer would. */
function openArchive(archive: string, into: string) {
  mkdirSync(into)
  return exec('tar', ['-xf', archive, '-C', into]).then(() => {
    const blob = (digest: string) => join(into, 'blobs', 'sha256', digest.slice('sha256:'.length))
    const json = (digest: string) => JSON.parse(readFileSync(blob(digest), 'utf8'))
    const index = JSON.parse(readFileSync(join(into, 'index.json'), 'utf8'))
    const manifest = json(index.manifests[0].digest)
    return {
      index,
      config: json(manifest.config.digest),
      layers: (manifest.layers as { digest: string }[]).map((layer) => blob(layer.digest)),
    }
  })
}

/** What the Dockerfile's final stage says the image runs as. */
function dockerfileFinalStage() {
  const text = readFileSync(join(config.repoRoot, 'Dockerfile'), 'utf8')
  const stage = text.slice(text.lastIndexOf('\nFROM '))
  const instruction = (name: string) =>
    [...stage.matchAll(new RegExp(`^${name} (.+)$`, 'gm'))].map((match) => match[1] as string)
  return {
    entrypoint: JSON.parse(instruction('ENTRYPOINT')[0] ?? 'null'),
    user: instruction('USER')[0],
    workdir: instruction('WORKDIR')[0],
    env: instruction('ENV').flatMap((line) => line.split(/\s+/)),
  }
}

describe("Fjord's image, built without a Docker engine", () => {
  let images: FjordImages
  let image: Awaited<ReturnType<typeof openArchive>>
  let entries: Entry[][]

  beforeAll(async () => {
    let started = performance.now()
    images = await ensureFjordImages(config)
    const first = seconds(started)
    started = performance.now()
    const again = await ensureFjordImages(config)
    const { base, modules, app } = images.layers
    console.log(
      [
        `image ${images.image.repository}:${images.image.tag}: ${images.built ? 'built' : 'from the cache'} in ${first}, then from the cache in ${seconds(started)}`,
        ...Object.entries({ base, modules, app }).map(
          ([name, layer]) =>
            `  ${name} layer: ${mb(layer.size)} gzipped, ${mb(layer.uncompressedSize)} unpacked`,
        ),
      ].join('\n'),
    )
    expect(again).toEqual({ ...images, built: false })
    image = await openArchive(images.archives.fjord, join(scratch, 'archive'))
    entries = await Promise.all(image.layers.map(listLayer))
  })

  test('is named for containerd and runs as the Dockerfile says', () => {
    expect(image.index.manifests[0].annotations['io.containerd.image.name']).toBe(
      `${images.image.repository}:${images.image.tag}`,
    )
    const dockerfile = dockerfileFinalStage()
    expect(image.config.config.User).toBe(`${fjordUser}:${fjordUser}`)
    expect(image.config.config.User).toBe(dockerfile.user)
    expect(image.config.config.Entrypoint).toEqual(['node', '/app/image/entrypoint.ts'])
    expect(image.config.config.Entrypoint).toEqual(dockerfile.entrypoint)
    expect(image.config.config.WorkingDir).toBe(dockerfile.workdir)
    expect(image.config.config.Env).toEqual(expect.arrayContaining(dockerfile.env))
    expect(image.config.rootfs.diff_ids).toHaveLength(3)
  })

  test('holds the base, then node_modules, then the app, all of root and readable by the user', () => {
    const [base = [], modules = [], app = []] = entries.map((layer) => layer.map((e) => e.name))
    expect(base).toEqual(
      expect.arrayContaining([
        'usr/local/bin/node',
        'lib64/ld-linux-x86-64.so.2',
        'lib/x86_64-linux-gnu/libc.so.6',
        'etc/passwd',
        'tmp/',
      ]),
    )
    expect(modules.filter((name) => !name.startsWith('app/node_modules/'))).toEqual(['app/'])
    expect(app.some((name) => name.startsWith('app/node_modules/'))).toBe(false)
    expect(app).toEqual(
      expect.arrayContaining([
        'app/package.json',
        'app/api/src/main.ts',
        'app/operator/src/main.ts',
        'app/packages/contract/crds/kafkatopics.fjord.dev.yaml',
        'app/web/dist/index.html',
        'app/migrations/meta/_journal.json',
        'app/migrations/0000_initial.sql',
      ]),
    )
    for (const entry of entries.flat()) {
      expect(entry.owner, entry.name).toBe('0/0')
      if (entry.mode.startsWith('l')) continue
      // Readable by others (the user is not the owner), writable by root alone, /tmp aside.
      expect(entry.mode[7], entry.name).toBe('r')
      if (entry.name !== 'tmp/') expect(entry.mode[8], entry.name).toBe('-')
    }
    expect(entries[0]?.find((e) => e.name === 'tmp/')?.mode).toBe('drwxrwxrwt')
  })

  test('holds no test, no tool of the build and no package the components do not load', () => {
    const names = entries.flat().map((entry) => entry.name)
    const ours = names.filter((name) => name.startsWith('app/') && !name.includes('node_modules/'))
    expect(ours.filter((name) => /\.test\.ts$|\/test\/|\/bench\//.test(name))).toEqual([])
    expect(ours.filter((name) => /^app\/(cli|stack|e2e|docs|charts)\//.test(name))).toEqual([])
    expect(ours.filter((name) => /^app\/web\/(src|test|scripts)\//.test(name))).toEqual([])
    const packages = new Set(
      names.flatMap((name) => /^app\/node_modules\/((@[^/]+\/)?[^/]+)/.exec(name)?.[1] ?? []),
    )
    for (const unwanted of [
      'vitest',
      'vite',
      '@biomejs/biome',
      'typescript',
      'playwright-core',
      'drizzle-kit',
      'node',
      'react',
      '@fjord/stack',
      '@fjord/testing',
      '@fjord/cli',
      '@fjord/client',
      '@fjord/e2e',
    ]) {
      expect(packages.has(unwanted), unwanted).toBe(false)
    }
    for (const wanted of ['@fjord/api', '@fjord/operator', '@fjord/web', 'drizzle-orm', 'pg']) {
      expect(packages.has(wanted), wanted).toBe(true)
    }
    expect(names.filter((name) => /\.d\.ts$|\.map$/.test(name))).toEqual([])
  })

  test('links packages only to places inside the image', () => {
    const names = new Set(entries.flat().map((entry) => entry.name.replace(/\/$/, '')))
    const links = entries.flat().filter((entry) => entry.target !== undefined)
    expect(links.length).toBeGreaterThan(0)
    for (const { name, target = '' } of links) {
      expect(target.startsWith('/'), `${name} -> ${target}`).toBe(false)
      expect(names.has(posix.join(posix.dirname(name), target)), `${name} -> ${target}`).toBe(true)
    }
  })

  test("is the tree the Dockerfile's build stage stages with runtime.ts", async () => {
    const staged = join(scratch, 'docker-stage')
    await exec(process.execPath, [
      join(config.repoRoot, 'stack', 'src', 'image', 'runtime.ts'),
      staged,
    ])
    const list = async (dir: string) => {
      const { stdout } = await exec('find', ['.', '-mindepth', '1', '-not', '-type', 'd'], {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
      })
      return stdout
        .trim()
        .split('\n')
        .map((path) => `app/${path.slice(2)}`)
        .sort()
    }
    const files = (layer: Entry[] = []) =>
      layer
        .filter((entry) => !entry.name.endsWith('/'))
        .map((entry) => entry.name)
        .sort()
    expect(await list(join(staged, 'modules'))).toEqual(files(entries[1]))
    expect(await list(join(staged, 'app'))).toEqual(files(entries[2]))
  })

  describe('run from its unpacked layers', () => {
    const root = join(scratch, 'root')
    const entrypoint = join(config.repoRoot, 'image', 'entrypoint.ts')
    const database = `fjord_image_${randomBytes(4).toString('hex')}`
    const stack = readStackEnv()
    // As root, the image's own file system, user and environment, short of namespaces: chroot.
    const asRoot = process.getuid?.() === 0
    const inImage = (path: string) => (asRoot ? path : join(root, path))
    let databaseUrl = ''

    /** The image's node with `args`, its environment from the image's config and `env`. */
    const node = (args: string[], env: Record<string, string> = {}): ChildProcess => {
      const imageEnv = Object.fromEntries(
        (image.config.config.Env as string[]).map((pair) => pair.split(/=(.*)/s).slice(0, 2)),
      )
      const [bin = '', ...prefix] = asRoot
        ? ['/usr/sbin/chroot', `--userspec=${fjordUser}:${fjordUser}`, root, 'node']
        : [join(root, 'usr', 'local', 'bin', 'node')]
      return spawn(bin, [...prefix, ...args], {
        env: { ...imageEnv, ...env },
        cwd: asRoot ? '/' : join(root, 'app'),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    }
    /** What the container runs: the entrypoint with the pod's args. */
    const start = (args: string[], env: Record<string, string> = {}) =>
      node([inImage('/app/image/entrypoint.ts'), ...args], env)
    const finish = (child: ChildProcess) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        let output = ''
        child.stdout?.on('data', (chunk) => (output += chunk))
        child.stderr?.on('data', (chunk) => (output += chunk))
        child.on('close', (code) => resolve({ code, output }))
      })

    beforeAll(async () => {
      if (!existsSync(entrypoint)) return
      mkdirSync(root)
      for (const layer of image.layers) await exec('tar', ['-xzf', layer, '-C', root])
      const { stdout } = await exec(process.execPath, [
        join(config.repoRoot, 'stack', 'src', 'cli.ts'),
        'database',
        database,
      ])
      databaseUrl = stdout.trim()
    })
    afterAll(async () => {
      if (!databaseUrl) return
      const client = new pg.Client({ connectionString: stack.postgres.url })
      await client.connect()
      await client.query(`drop database if exists ${database} with (force)`)
      await client.end()
    })

    test.skipIf(!existsSync(entrypoint))(
      'migrates a fresh database with the migrations it holds',
      async () => {
        const { code, output } = await finish(start(['migrate'], { DATABASE_URL: databaseUrl }))
        expect(code, output).toBe(0)
        const client = new pg.Client({ connectionString: databaseUrl })
        await client.connect()
        const applied = await client.query(
          'select count(*)::int as n from drizzle.__drizzle_migrations',
        )
        await client.end()
        const journal = JSON.parse(
          readFileSync(join(root, 'app', 'migrations', 'meta', '_journal.json'), 'utf8'),
        )
        expect(applied.rows[0].n).toBe(journal.entries.length)
      },
    )

    test.skipIf(!existsSync(entrypoint))(
      'serves the api, the console and the API reference, answers its probe and stops on SIGTERM',
      async () => {
        const portFile = '/tmp/api.port'
        const api = start(['api'], {
          DATABASE_URL: databaseUrl,
          PORT: '0',
          FJORD_PORT_FILE: inImage(portFile),
        })
        const exited = finish(api)
        try {
          const written = join(root, portFile)
          await expect.poll(() => existsSync(written), { timeout: 30_000 }).toBe(true)
          const url = `http://127.0.0.1:${readFileSync(written, 'utf8').trim()}`
          expect((await fetch(`${url}/readyz`)).status).toBe(200)
          const page = await fetch(`${url}/`, { headers: { accept: 'text/html' } })
          expect(page.status).toBe(200)
          expect(await page.text()).toMatch(/<script type="module"[^>]* src="\/assets\//)
          const docs = await (await fetch(`${url}/docs`)).text()
          const script = /src="(\/docs\/assets\/[^"]+\.js)"/.exec(docs)?.[1]
          expect(script, docs).toBeDefined()
          const bundle = await fetch(`${url}${script}`)
          expect(bundle.status).toBe(200)
          expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000)

          const probe = await finish(
            start(['probe', '/readyz'], { FJORD_PORT_FILE: inImage(portFile) }),
          )
          expect(probe.code, probe.output).toBe(0)
        } finally {
          api.kill('SIGTERM')
        }
        const { code, output } = await exited
        expect(code, output).toBe(0)
      },
    )

    test.skipIf(!existsSync(entrypoint))(
      'loads the operator, with the AWS provider it loads only when a pool asks for it',
      async () => {
        const help = await finish(start(['operator', '--help']))
        expect(help.code, help.output).toBe(0)
        expect(help.output).toContain('--help')
        const aws = await finish(
          node([
            '--input-type=module',
            '-e',
            `await import(${JSON.stringify(inImage('/app/operator/src/providers/aws-msk.ts'))})`,
          ]),
        )
        expect(aws.code, aws.output).toBe(0)
      },
    )
  })
})

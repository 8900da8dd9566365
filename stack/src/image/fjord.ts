import { createHash } from 'node:crypto'
import {
  createReadStream,
  existsSync,
  lstatSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from 'node:fs'
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureConsoleBuilt } from '@fjord/web/build'
import { info, isAlive, run, StackError } from '../proc.ts'
import {
  type Containerd,
  hasImage,
  type ImageConfig,
  importImage,
  type LayerDescriptor,
  type WrittenLayer,
  writeLayer,
  writeOciArchive,
} from './oci.ts'
import { type RuntimeTree, readRuntimeTree, stage } from './runtime.ts'

/**
 * Fjord's image built without a Docker engine, as the Dockerfile would build it: a base of the
 * Node binary the repository runs on (the Dockerfile's BASE_IMAGE here), then the tree that
 * runtime.ts chooses, from the working copy. Every layer and archive is keyed by what goes into
 * it, so an unchanged input is never built twice.
 */

export const repositories = {
  base: 'docker.io/fjord/fjord-base',
  fjord: 'docker.io/fjord/fjord',
} as const

/** The image's user: not root, and not a user the base image may already have. */
export const fjordUser = 10001

/** What the Dockerfile's final stage says, which image.test.ts checks against it. */
export const fjordConfig: ImageConfig = {
  Entrypoint: ['node', '/app/image/entrypoint.ts'],
  User: `${fjordUser}:${fjordUser}`,
  WorkingDir: '/app',
  Env: [
    // The official Node image's PATH, which the Dockerfile's image inherits.
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'NODE_ENV=production',
    // The one writable folder (an emptyDir in the chart), so whatever writes to ~ writes there.
    'HOME=/tmp',
  ],
}

const baseConfig: ImageConfig = {
  Cmd: ['node'],
  Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
}

/** Accounts and name lookup of the base: root, and the image's user with /tmp as home. */
const baseEtc = {
  passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nfjord:x:${fjordUser}:${fjordUser}:fjord:/tmp:/usr/sbin/nologin\n`,
  group: `root:x:0:\nfjord:x:${fjordUser}:\n`,
  'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\n',
}

export interface ImageRef {
  repository: string
  tag: string
}

export interface FjordImages {
  /** The image the chart runs: `image.repository` and `image.tag`. */
  image: ImageRef
  /** The base it is built on. */
  base: ImageRef
  /** OCI archives, for `ctr images import`: the Fjord one holds the base's layer too. */
  archives: { base: string; fjord: string }
  /** The layers in order (base, node_modules, app), with their sizes. */
  layers: { base: LayerDescriptor; modules: LayerDescriptor; app: LayerDescriptor }
  /** False when the archives were already in the cache. */
  built: boolean
}

export interface ImageBuildOptions {
  repoRoot: string
  /** FJORD_CACHE_DIR: archives and layers live in `<cacheDir>/images`. */
  cacheDir: string
  /** When given, the images are imported into this containerd (unless it has them). */
  containerd?: Containerd
}

const fullRef = ({ repository, tag }: ImageRef) => `${repository}:${tag}`

/** sha256 over labelled parts: files by their mode and contents, strings as they are. */
class Key {
  readonly #hash = createHash('sha256')

  text(label: string, value: string): this {
    this.#hash.update(`${label}\0${value}\0`)
    return this
  }

  async file(label: string, path: string): Promise<this> {
    const stats = lstatSync(path)
    this.#hash.update(`${label}\0${stats.mode & 0o777}\0`)
    if (stats.isSymbolicLink()) this.#hash.update(readlinkSync(path))
    else for await (const chunk of createReadStream(path)) this.#hash.update(chunk as Buffer)
    this.#hash.update('\0')
    return this
  }

  hex(): string {
    return this.#hash.digest('hex')
  }
}

/** The shared libraries and the loader that `ldd` says the given ELF files need. */
async function sharedLibraries(files: string[]): Promise<string[]> {
  const libraries = new Set<string>()
  for (const file of files) {
    for (const line of (await run('ldd', [file])).split('\n')) {
      const path = /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1]
      if (path) libraries.add(path)
    }
  }
  if (libraries.size === 0) throw new StackError(`ldd found no shared libraries in ${files[0]}`)
  return [...libraries].sort()
}

/**
 * The project's files as git sees them: tracked ones as they are in the working copy, and new
 * ones not ignored, so the image runs what `node api/src/main.ts` would, and nothing ignored
 * (builds, .env files, the stack's data) gets in.
 */
async function projectFiles(repoRoot: string): Promise<string[]> {
  const listed = await run(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: repoRoot,
    },
  )
  return listed.split('\0').filter((path) => path !== '' && existsSync(join(repoRoot, path)))
}

/** The code that builds the image: a change to it makes every layer again. */
async function builderKey(): Promise<Key> {
  const key = new Key()
  for (const name of ['oci.ts', 'runtime.ts', 'fjord.ts']) {
    await key.file(name, join(import.meta.dirname, name))
  }
  return key
}

interface LayerPlan {
  key: string
  /** Puts the layer's files into an empty folder. */
  fill: (dir: string) => Promise<void>
}

/** The folders of `path` under `dir`, readable by anyone whatever the umask. */
async function makeParents(dir: string, path: string): Promise<void> {
  const parents = dirname(path).split('/').filter(Boolean)
  for (let i = 1; i <= parents.length; i++) {
    const folder = join(dir, ...parents.slice(0, i))
    await mkdir(folder, { recursive: true })
    await chmod(folder, 0o755)
  }
}

/**
 * The base: the Node binary the repository runs on, the libraries it and the image's native
 * addons load (@node-rs/argon2 needs librt, which node does not), the users, and /tmp.
 */
async function planBase(repoRoot: string, tree: RuntimeTree, builder: string): Promise<LayerPlan> {
  const node = join(repoRoot, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(node)) {
    throw new StackError(`${node} is missing: run \`npm ci\` (the node package installs it)`)
  }
  const addons = tree.modules.filter((path) => path.endsWith('.node'))
  const libraries = await sharedLibraries([node, ...addons.map((path) => join(repoRoot, path))])
  const key = new Key().text('builder', builder)
  await key.file('node', node)
  // By content: most of these names are links to a versioned file.
  for (const library of libraries) await key.file(library, realpathSync(library))
  for (const [name, content] of Object.entries(baseEtc)) key.text(name, content)
  return {
    key: key.hex(),
    fill: async (dir) => {
      await makeParents(dir, '/usr/local/bin/node')
      stage(dirname(node), ['node'], join(dir, 'usr', 'local', 'bin'), true)
      for (const library of libraries) {
        // At the path ldd printed, as a file: the loader and most .so names are links here.
        await makeParents(dir, library)
        await copyFile(library, join(dir, library))
      }
      await mkdir(join(dir, 'etc'), { mode: 0o755 })
      for (const [name, content] of Object.entries(baseEtc)) {
        await writeFile(join(dir, 'etc', name), content, { mode: 0o644 })
      }
      await mkdir(join(dir, 'tmp'))
      await chmod(join(dir, 'tmp'), 0o1777)
    },
  }
}

/** Files of the working copy under /app, as the Dockerfile's final stage copies them. */
function underApp(repoRoot: string, paths: string[], key: string): LayerPlan {
  return {
    key,
    fill: async (dir) => {
      await mkdir(join(dir, 'app'), { mode: 0o755 })
      await chmod(join(dir, 'app'), 0o755)
      stage(repoRoot, paths, join(dir, 'app'), true)
    },
  }
}

/** node_modules is keyed by what the lock says is installed, rather than by reading 80 MB. */
function modulesKey(repoRoot: string, tree: RuntimeTree, builder: string): string {
  const { packages } = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; integrity?: string; resolved?: string }>
  }
  const key = new Key().text('builder', builder)
  for (const name of tree.dependencies) {
    const entry = packages[name]
    key.text(name, `${entry?.version}\0${entry?.integrity}\0${entry?.resolved}`)
  }
  return key.text('files', tree.modules.join('\n')).hex()
}

async function appKey(repoRoot: string, tree: RuntimeTree, builder: string): Promise<string> {
  const key = new Key().text('builder', builder)
  for (const path of tree.app) await key.file(path, join(repoRoot, path))
  return key.hex()
}

/** The layer of `plan` from the cache, or written into it. */
async function cachedLayer(layers: string, plan: LayerPlan): Promise<WrittenLayer> {
  const blob = join(layers, `${plan.key}.tar.gz`)
  const descriptorFile = join(layers, `${plan.key}.json`)
  if (existsSync(blob) && existsSync(descriptorFile)) {
    return { ...(JSON.parse(readFileSync(descriptorFile, 'utf8')) as LayerDescriptor), blob }
  }
  const dir = await mkdtemp(join(layers, `.${plan.key.slice(0, 12)}-`))
  try {
    await plan.fill(dir)
    const descriptor = await writeLayer(dir, blob)
    await writeFile(descriptorFile, JSON.stringify(descriptor))
    return { ...descriptor, blob }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Takes away the archives and layers of earlier builds, sparing those used in the last hour:
 * another clone on the machine may be building with them now.
 */
async function pruneCache(dirs: string[], keep: Set<string>): Promise<void> {
  const hourAgo = Date.now() - 3600_000
  for (const dir of dirs) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (!entry.isFile() || !/\.(tar|tar\.gz|json)$/.test(entry.name) || keep.has(path)) continue
      if ((await stat(path)).mtimeMs < hourAgo) await rm(path, { force: true })
    }
  }
}

/**
 * Runs `fn` holding `<dir>/.lock`: test files running side by side both ask for the images,
 * and on a cold cache only one of them should build while the other waits for its result.
 */
async function withBuildLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock')
  const deadline = Date.now() + 10 * 60_000
  for (;;) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' })
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim())
    // A lock whose process is gone was left by a build that died; an empty one is being written.
    if (holder > 0 && !isAlive(holder)) {
      await rm(lock, { force: true })
      continue
    }
    if (Date.now() > deadline) {
      throw new StackError(
        `the image build waited 10 minutes for ${lock}: remove it if no build runs`,
      )
    }
    await sleep(200)
  }
  try {
    return await fn()
  } finally {
    await rm(lock, { force: true })
  }
}

const shortHash = (...parts: string[]) =>
  createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16)

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

/**
 * Builds Fjord's base and app images into `<cacheDir>/images` unless they are there already,
 * and imports them into `containerd` when given. The tag is a hash of every input.
 */
export async function ensureFjordImages(options: ImageBuildOptions): Promise<FjordImages> {
  const images = join(options.cacheDir, 'images')
  const layersDir = join(images, 'layers')
  await mkdir(layersDir, { recursive: true })
  return withBuildLock(images, () => buildImages(options, images, layersDir))
}

async function buildImages(
  { repoRoot, containerd }: ImageBuildOptions,
  images: string,
  layersDir: string,
): Promise<FjordImages> {
  await ensureConsoleBuilt()
  const tree = readRuntimeTree(repoRoot, await projectFiles(repoRoot))
  const builder = (await builderKey()).hex()
  const plans = {
    base: await planBase(repoRoot, tree, builder),
    modules: underApp(repoRoot, tree.modules, modulesKey(repoRoot, tree, builder)),
    app: underApp(repoRoot, tree.app, await appKey(repoRoot, tree, builder)),
  }
  const base = { repository: repositories.base, tag: shortHash(plans.base.key) }
  const image = {
    repository: repositories.fjord,
    tag: shortHash(plans.base.key, plans.modules.key, plans.app.key, JSON.stringify(fjordConfig)),
  }
  const archives = {
    base: join(images, `fjord-base-${base.tag}.tar`),
    fjord: join(images, `fjord-${image.tag}.tar`),
  }

  const built = !existsSync(archives.base) || !existsSync(archives.fjord)
  const layers = {
    base: await cachedLayer(layersDir, plans.base),
    modules: await cachedLayer(layersDir, plans.modules),
    app: await cachedLayer(layersDir, plans.app),
  }
  if (!existsSync(archives.base)) {
    await writeOciArchive({
      name: fullRef(base),
      layers: [layers.base],
      config: baseConfig,
      out: archives.base,
    })
  }
  if (!existsSync(archives.fjord)) {
    await writeOciArchive({
      name: fullRef(image),
      layers: [layers.base, layers.modules, layers.app],
      config: fjordConfig,
      out: archives.fjord,
    })
  }
  const inUse = [...Object.values(archives), ...Object.values(layers).map((layer) => layer.blob)]
  const now = new Date()
  for (const path of inUse) await utimes(path, now, now)
  const keep = new Set(inUse.flatMap((path) => [path, path.replace(/\.tar\.gz$/, '.json')]))
  await pruneCache([images, layersDir], keep)
  if (built) {
    for (const [name, layer] of Object.entries(layers)) {
      info(`${name} layer: ${mb(layer.size)} gzipped, ${mb(layer.uncompressedSize)} unpacked`)
    }
  }

  if (containerd) {
    for (const [ref, archive] of [
      [fullRef(base), archives.base],
      [fullRef(image), archives.fjord],
    ] as const) {
      if (!(await hasImage(containerd, ref))) await importImage(containerd, archive)
    }
  }
  return {
    image,
    base,
    archives,
    layers: {
      base: strip(layers.base),
      modules: strip(layers.modules),
      app: strip(layers.app),
    },
    built,
  }
}

function strip({ blob: _, ...descriptor }: WrittenLayer): LayerDescriptor {
  return descriptor
}

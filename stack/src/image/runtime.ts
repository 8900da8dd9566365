import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What Fjord's image holds, chosen in one place for both builds: the Dockerfile's build stage
 * runs this file to stage its final tree, and the stack's image build (fjord.ts) stages the same
 * tree from the working copy. Only node: builtins here: in the Dockerfile it runs before
 * anything else of the stack is in place.
 */

/** The workspaces the image starts; every other package it holds is one they load. */
export const components = ['api', 'operator'] as const

/**
 * Packages the image holds only some files of, and none of their dependencies: the api serves
 * the console's build (found through @fjord/web's package.json) and Scalar's browser bundle
 * (found through its package entry, which Node's resolver checks is there), loading neither.
 */
const assetsOnly: Record<string, (path: string) => boolean> = {
  web: (path) => path === 'package.json' || path.startsWith('dist/'),
  'node_modules/@scalar/api-reference': (path) =>
    path === 'package.json' ||
    path === 'dist/index.js' ||
    path === 'dist/browser/standalone.esm.js' ||
    /^dist\/browser\/chunks\/[^/]+\.js$/.test(path),
}

/** Files of an installed package nothing loads at run time: types, source maps, documents. */
const unusedInPackages = /(\.d\.[cm]?ts|\.map|\.md|\.markdown)$/i

/** A workspace's files the image holds: the code the components run, and the CRDs they install. */
const workspaceFiles = /^(package\.json|src\/.*|crds\/.*)$/

/** The repository's files besides the workspaces': drizzle reads the journal and the SQL only. */
function isSharedRuntimeFile(path: string): boolean {
  if (path === 'package.json') return true
  if (path.startsWith('migrations/')) return !/^migrations\/meta\/.*_snapshot\.json$/.test(path)
  return path.startsWith('image/')
}

const isTest = (path: string) => /\.test\.ts$/.test(path) || /(^|\/)test\//.test(path)

interface LockEntry {
  link?: boolean
  resolved?: string
  version?: string
  integrity?: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

export interface LockFile {
  packages: Record<string, LockEntry>
}

export interface RuntimeDependencies {
  /** package-lock.json keys (`node_modules/…`) of the packages and workspace links it holds. */
  modules: string[]
  /** Workspace folders whose code the image runs. */
  workspaces: string[]
}

/** Where Node finds `name` imported from the package at lock key `from`: the nearest node_modules up. */
function resolveInLock(lock: LockFile['packages'], from: string, name: string): string | undefined {
  let dir = from
  for (;;) {
    if (!dir.endsWith('node_modules')) {
      const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`
      if (lock[candidate]) return candidate
    }
    if (dir === '') return undefined
    const up = dirname(dir)
    dir = up === '.' ? '' : up
  }
}

/**
 * The packages the components load at run time, followed through package-lock.json from their
 * dependencies, optional dependencies and required peers. `npm prune --omit=dev` is not enough:
 * vitest and vite are dependencies of @fjord/testing, a workspace, so the lock does not mark
 * them dev. Optional packages for other platforms are in the lock but not installed:
 * `installed` says which are.
 */
export function runtimeDependencies(
  lockFile: LockFile,
  installed: (key: string) => boolean,
): RuntimeDependencies {
  const lock = lockFile.packages
  const modules = new Set<string>()
  const workspaces: string[] = []
  const visit = (key: string): void => {
    const entry = lock[key]
    if (!entry || modules.has(key) || workspaces.includes(key)) return
    if (entry.link) {
      modules.add(key)
      if (entry.resolved && !(entry.resolved in assetsOnly)) visit(entry.resolved)
      return
    }
    if (!key.includes('node_modules/')) workspaces.push(key)
    else if (installed(key)) modules.add(key)
    else return
    if (key in assetsOnly) return
    const optionalPeers = entry.peerDependenciesMeta ?? {}
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers[name]?.optional),
    ]
    for (const name of names) {
      const found = resolveInLock(lock, key, name)
      if (found) visit(found)
    }
  }
  for (const component of components) {
    visit(component)
    // A component is reachable by its package name too: the entrypoint may import it so.
    const link = Object.keys(lock).find(
      (key) => lock[key]?.link && lock[key].resolved === component,
    )
    if (link) modules.add(link)
  }
  return { modules: [...modules].sort(), workspaces: workspaces.sort() }
}

/** Files and symlinks under `dir` (repository-relative), not descending into node_modules. */
export function walk(repoRoot: string, dir: string): string[] {
  const root = join(repoRoot, dir)
  if (!existsSync(root)) return []
  const found: string[] = []
  const visit = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') visit(full)
      } else {
        found.push(relative(repoRoot, full))
      }
    }
  }
  visit(root)
  return found
}

/** The image's files, repository-relative: installed packages, and the project's own. */
export interface RuntimeTree {
  /** package-lock.json keys of the installed packages and links it holds. */
  dependencies: string[]
  /** node_modules: changes with package-lock.json, so it is a layer of its own. */
  modules: string[]
  /** The workspaces' code, the console's build, migrations and the entrypoint. */
  app: string[]
}

/**
 * Everything the image holds. `sources` are the project's files to choose from (what git
 * tracks, or what the Docker context holds); the console's build is read from disk, as nothing
 * tracks it.
 */
export function runtimeTree(repoRoot: string, lockFile: LockFile, sources: string[]): RuntimeTree {
  const { modules, workspaces } = runtimeDependencies(lockFile, (key) =>
    existsSync(join(repoRoot, key)),
  )
  const inWorkspace = (path: string) =>
    workspaces.some(
      (w) => path.startsWith(`${w}/`) && workspaceFiles.test(path.slice(w.length + 1)),
    )
  const app = sources.filter(
    (path) => !isTest(path) && (isSharedRuntimeFile(path) || inWorkspace(path)),
  )
  for (const [workspace, keep] of Object.entries(assetsOnly)) {
    if (workspace.includes('node_modules/')) continue
    const dist = walk(repoRoot, workspace).filter((path) => keep(path.slice(workspace.length + 1)))
    app.push(...dist)
  }
  const installed: string[] = []
  for (const key of modules) {
    if (lockFile.packages[key]?.link) {
      installed.push(key)
      continue
    }
    const keep = assetsOnly[key] ?? ((path: string) => !unusedInPackages.test(path))
    installed.push(...walk(repoRoot, key).filter((path) => keep(path.slice(key.length + 1))))
  }
  return { dependencies: modules, modules: installed.sort(), app: [...new Set(app)].sort() }
}

/** Reads the lock and lists the image's files, the project's taken from `sources`. */
export function readRuntimeTree(repoRoot: string, sources: string[]): RuntimeTree {
  const lockFile = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as LockFile
  return runtimeTree(repoRoot, lockFile, sources)
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
    copyFileSync(from, to)
  }
}

/**
 * Puts `paths` (repository-relative) under `dest` as they are in `repoRoot`: symlinks as
 * symlinks, files hard-linked when `link` (nothing copied, on one file system) or copied.
 * Folders are made readable by anyone whatever the umask, as the image runs as a non-root user.
 */
export function stage(repoRoot: string, paths: string[], dest: string, link: boolean): void {
  const made = new Set<string>()
  const ensureDir = (dir: string): void => {
    if (made.has(dir)) return
    if (dir !== dest) ensureDir(dirname(dir))
    mkdirSync(dir, { recursive: true })
    chmodSync(dir, 0o755)
    made.add(dir)
  }
  for (const path of paths) {
    const from = join(repoRoot, path)
    const to = join(dest, path)
    ensureDir(dirname(to))
    if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), to)
    else if (link) linkOrCopy(from, to)
    else copyFileSync(from, to)
  }
}

/** `node stack/src/image/runtime.ts <dest>`: the Dockerfile's build stage, from its context. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dest = process.argv[2]
  if (!dest) throw new Error('usage: node stack/src/image/runtime.ts <dest>')
  const repoRoot = resolve(import.meta.dirname, '../../..')
  const sources = walk(repoRoot, '.').filter((path) => !path.startsWith('.git/'))
  const tree = readRuntimeTree(repoRoot, sources)
  stage(repoRoot, tree.modules, join(dest, 'modules'), false)
  stage(repoRoot, tree.app, join(dest, 'app'), false)
}

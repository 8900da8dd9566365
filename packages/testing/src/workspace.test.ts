import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'

/**
 * Every workspace's package.json lists exactly what its code loads: a package its shipped
 * code imports is a dependency, one only its tests, benchmarks or scripts import is a
 * devDependency, and nothing is listed that nothing loads.
 */

const root = join(import.meta.dirname, '..', '..', '..')

interface Manifest {
  name: string
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

function workspaces(): string[] {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const listed = execFileSync(
    'git',
    ['ls-files', '--', ...workspaces.map((w: string) => `${w}/package.json`)],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
  return listed
    .trim()
    .split('\n')
    .map((path) => path.replace(/\/package\.json$/, ''))
}

/** The package a bare specifier names: `@scope/name/sub` is `@scope/name`, `name/sub` is `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/')
}

const importPatterns = [
  /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bimport\.meta\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bimport\.meta\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g,
]

/** The packages a source text loads, by bare specifier: Node's built-ins and relative paths aside. */
function packagesLoadedBy(source: string): string[] {
  const loaded = new Set<string>()
  for (const [, specifier] of importPatterns.flatMap((pattern) => [...source.matchAll(pattern)])) {
    if (!specifier || specifier.startsWith('.') || specifier.startsWith('node:')) continue
    loaded.add(packageOf(specifier))
  }
  return [...loaded]
}

const shipped = (path: string) => path.startsWith('src/') && !path.endsWith('.test.ts')

function loads(dir: string) {
  const files = execFileSync('git', ['ls-files', '--', '*.ts', '*.tsx'], {
    cwd: join(root, dir),
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .filter(Boolean)
  const runtime = new Set<string>()
  const development = new Set<string>()
  for (const file of files) {
    const source = readFileSync(join(root, dir, file), 'utf8')
    for (const name of packagesLoadedBy(source)) (shipped(file) ? runtime : development).add(name)
  }
  for (const name of runtime) development.delete(name)
  return { runtime, development }
}

describe('workspace manifests', () => {
  test('the import scan sees static, dynamic, side-effect and resolve-only imports, and nothing else', () => {
    const source = [
      "import { a } from '@scope/pkg/sub'",
      "import b from 'plain/deep/path'",
      "import 'side-effect'",
      // split, so that this file's own scan does not read the sample as an import of its own
      `const c = await ${'import'}('dynamic')`,
      `const h = ${'import'}.meta.resolve('resolved/package.json')`,
      "import { d } from './local.ts'",
      "export { f } from 're-exported'",
      "const g = 'not an import from \\'here\\''",
      "import { e } from 'node:fs'",
      "const text = 'from a string'",
    ].join('\n')
    expect(packagesLoadedBy(source).sort()).toEqual([
      '@scope/pkg',
      'dynamic',
      'plain',
      're-exported',
      'resolved',
      'side-effect',
    ])
  })

  for (const dir of workspaces()) {
    test(`${dir}/package.json lists exactly what ${dir} loads`, () => {
      const manifest: Manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
      const { runtime, development } = loads(dir)
      const scripts = Object.values(manifest.scripts ?? {}).join('\n')
      const loaded = (name: string) => runtime.has(name) || development.has(name)
      const declaredDev = Object.keys(manifest.devDependencies ?? {}).filter(
        // type packages and command-line tools are loaded by tsc and by scripts, not by imports
        (name) =>
          loaded(name) ||
          !(name.startsWith('@types/')
            ? loaded(name.slice('@types/'.length))
            : scripts.includes(name)),
      )
      expect({
        dependencies: Object.keys(manifest.dependencies ?? {}).sort(),
        devDependencies: declaredDev.sort(),
      }).toEqual({
        dependencies: [...runtime].filter((name) => name !== manifest.name).sort(),
        devDependencies: [...development].filter((name) => name !== manifest.name).sort(),
      })
    })
  }
})

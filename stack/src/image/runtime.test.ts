import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { type LockFile, runtimeDependencies, runtimeTree } from './runtime.ts'

/** A package-lock.json of the workspaces and packages given, as npm writes it. */
function aLock(packages: LockFile['packages']): LockFile {
  return {
    packages: {
      api: { dependencies: { pg: '1', '@fjord/kube': '0.1.0', '@fjord/web': '0.1.0' } },
      operator: { dependencies: { '@fjord/kube': '0.1.0', pino: '1' } },
      'packages/kube': { dependencies: { yaml: '2' } },
      web: { dependencies: { react: '19' } },
      'node_modules/@fjord/api': { link: true, resolved: 'api' },
      'node_modules/@fjord/operator': { link: true, resolved: 'operator' },
      'node_modules/@fjord/kube': { link: true, resolved: 'packages/kube' },
      'node_modules/@fjord/web': { link: true, resolved: 'web' },
      'node_modules/@fjord/testing': { link: true, resolved: 'packages/testing' },
      'packages/testing': { dependencies: { vitest: '5' } },
      'node_modules/vitest': { dependencies: { vite: '8' } },
      'node_modules/vite': {},
      'node_modules/react': {},
      'node_modules/pg': { dependencies: { 'pg-pool': '3' } },
      'node_modules/pg-pool': {},
      'node_modules/pino': {},
      'node_modules/yaml': {},
      ...packages,
    },
  }
}

const everything = () => true

describe('the packages the image holds', () => {
  test('are those the api and the operator load, through workspace links, and nothing else', () => {
    const { modules, workspaces } = runtimeDependencies(aLock({}), everything)
    expect(workspaces).toEqual(['api', 'operator', 'packages/kube'])
    expect(modules).toEqual([
      'node_modules/@fjord/api',
      'node_modules/@fjord/kube',
      'node_modules/@fjord/operator',
      'node_modules/@fjord/web',
      'node_modules/pg',
      'node_modules/pg-pool',
      'node_modules/pino',
      'node_modules/yaml',
    ])
  })

  test('take the nested copy a package finds first, as Node resolves it', () => {
    const lock = aLock({
      'node_modules/pg/node_modules/pg-pool': {},
      'api/node_modules/pino': {},
      api: { dependencies: { pg: '1', pino: '2' } },
    })
    const { modules } = runtimeDependencies(lock, everything)
    expect(modules).toContain('node_modules/pg/node_modules/pg-pool')
    expect(modules).not.toContain('node_modules/pg-pool')
    expect(modules).toContain('api/node_modules/pino')
    // The operator's pino is the hoisted one.
    expect(modules).toContain('node_modules/pino')
  })

  test('follow required peers and optional packages that are installed, not optional peers', () => {
    const lock = aLock({
      'node_modules/pino': {
        peerDependencies: { 'peer-needed': '1', 'peer-optional': '1' },
        peerDependenciesMeta: { 'peer-optional': { optional: true } },
        optionalDependencies: { 'native-linux': '1', 'native-darwin': '1' },
      },
      'node_modules/peer-needed': {},
      'node_modules/peer-optional': {},
      'node_modules/native-linux': {},
      'node_modules/native-darwin': {},
    })
    const { modules } = runtimeDependencies(lock, (key) => !key.endsWith('darwin'))
    expect(modules).toContain('node_modules/peer-needed')
    expect(modules).toContain('node_modules/native-linux')
    expect(modules).not.toContain('node_modules/peer-optional')
    expect(modules).not.toContain('node_modules/native-darwin')
  })
})

describe('the files the image holds', () => {
  const repo = mkdtempSync(join(tmpdir(), 'fjord-runtime-'))
  afterAll(() => rmSync(repo, { recursive: true, force: true }))
  const files = [
    'package.json',
    'api/package.json',
    'api/src/main.ts',
    'api/src/config.test.ts',
    'api/test/api.test.ts',
    'api/scripts/openapi.ts',
    'api/tsconfig.json',
    'operator/package.json',
    'operator/src/main.ts',
    'packages/kube/package.json',
    'packages/kube/src/client.ts',
    'packages/kube/README.md',
    'packages/contract/crds/topic.yaml',
    'migrations/0000_initial.sql',
    'migrations/meta/_journal.json',
    'migrations/meta/0000_snapshot.json',
    'image/entrypoint.ts',
    'cli/src/main.ts',
    'web/package.json',
    'web/src/app.tsx',
    'web/dist/index.html',
    'node_modules/pg/package.json',
    'node_modules/pg/lib/index.js',
    'node_modules/pg/lib/index.js.map',
    'node_modules/pg/lib/index.d.ts',
    'node_modules/pg/README.md',
    'node_modules/pg-pool/index.js',
    'node_modules/pino/index.js',
    'node_modules/yaml/index.js',
  ]
  for (const file of files) {
    mkdirSync(join(repo, dirname(file)), { recursive: true })
    writeFileSync(join(repo, file), '')
  }
  for (const [name, target] of [
    ['api', '../../api'],
    ['operator', '../../operator'],
    ['kube', '../../packages/kube'],
    ['web', '../../web'],
  ] as const) {
    mkdirSync(join(repo, 'node_modules', '@fjord'), { recursive: true })
    symlinkSync(target, join(repo, 'node_modules', '@fjord', name))
  }

  test("are the components' code, the console's build, migrations and the entrypoint", () => {
    const tracked = files.filter((file) => !file.startsWith('web/dist/'))
    const tree = runtimeTree(repo, aLock({}), tracked)
    expect(tree.app).toEqual([
      'api/package.json',
      'api/src/main.ts',
      'image/entrypoint.ts',
      'migrations/0000_initial.sql',
      'migrations/meta/_journal.json',
      'operator/package.json',
      'operator/src/main.ts',
      'package.json',
      'packages/kube/package.json',
      'packages/kube/src/client.ts',
      'web/dist/index.html',
      'web/package.json',
    ])
    expect(tree.modules).toEqual([
      'node_modules/@fjord/api',
      'node_modules/@fjord/kube',
      'node_modules/@fjord/operator',
      'node_modules/@fjord/web',
      'node_modules/pg-pool/index.js',
      'node_modules/pg/lib/index.js',
      'node_modules/pg/package.json',
      'node_modules/pino/index.js',
      'node_modules/yaml/index.js',
    ])
  })
})

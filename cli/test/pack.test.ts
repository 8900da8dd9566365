import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, onTestFinished, test } from 'vitest'
import { version } from '../src/program.ts'

// `npm pack -w @fjord/cli` gives a package that installs and runs with Node 24 alone. The pack
// runs in a copy of the workspace (its node_modules linked to the clone's), since prepack
// rewrites cli/package.json for a moment, which other tests read.

const cli = fileURLToPath(new URL('..', import.meta.url))
const root = join(cli, '..')
const node = dirname(process.execPath)

function run(command: string, args: string[], options: { cwd: string; path?: string }) {
  const env = { PATH: options.path ?? [node, process.env.PATH].join(delimiter), HOME: options.cwd }
  return new Promise<string>((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, env }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout)
      reject(new Error(`${command} ${args.join(' ')} failed\nstdout: ${stdout}\nstderr: ${stderr}`))
    })
  })
}

/** A workspace root holding a copy of cli/, with the clone's node_modules. */
async function aCopyOfTheWorkspace(dir: string): Promise<string> {
  const copy = join(dir, 'repo')
  await mkdir(join(copy, 'cli'), { recursive: true })
  await writeFile(
    join(copy, 'package.json'),
    JSON.stringify({ name: 'copy', private: true, workspaces: ['cli'] }),
  )
  await symlink(join(root, 'node_modules'), join(copy, 'node_modules'))
  for (const entry of ['package.json', 'bin', 'src', 'scripts']) {
    await cp(join(cli, entry), join(copy, 'cli', entry), { recursive: true })
  }
  return copy
}

test('packs a package that installs globally and runs without the monorepo', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fjord-pack-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const copy = await aCopyOfTheWorkspace(dir)
  const manifest = await readFile(join(copy, 'cli', 'package.json'), 'utf8')

  const [packed] = JSON.parse(
    await run('npm', ['pack', '-w', '@fjord/cli', '--pack-destination', dir, '--json'], {
      cwd: copy,
    }),
  ) as { filename: string; files: { path: string }[] }[]
  if (!packed) throw new Error('npm pack printed no package')
  const files = packed.files.map((file) => file.path)
  expect(files).toEqual(
    expect.arrayContaining([
      'package.json',
      'bin/fjord.js',
      'dist/fjord.mjs',
      'dist/THIRD-PARTY-LICENSES.txt',
    ]),
  )
  expect(files.filter((path) => !/^(package\.json|bin\/|dist\/)/.test(path))).toEqual([])
  expect(await readFile(join(copy, 'cli', 'package.json'), 'utf8'), 'postpack put it back').toBe(
    manifest,
  )

  const tarball = join(dir, packed.filename)
  const packedManifest = JSON.parse(
    await run('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: dir }),
  )
  expect(packedManifest).not.toHaveProperty('dependencies')
  expect(packedManifest).not.toHaveProperty('devDependencies')
  expect(packedManifest.bin).toEqual({ fjord: 'bin/fjord.js' })

  const prefix = join(dir, 'prefix')
  await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
    { cwd: dir },
  )
  // Node 24 and the system's tools only: nothing of the clone is on the path or resolvable.
  const alone = { cwd: dir, path: [node, '/usr/bin', '/bin'].join(delimiter) }
  const fjord = join(prefix, 'bin', 'fjord')
  expect(await run(fjord, ['--version'], alone)).toBe(`${version}\n`)
  const help = await run(fjord, ['--help'], alone)
  expect(help).toMatch(/^Usage: fjord /)
  expect(help).toMatch(/\n {2}topics\s/)

  // What fjord loads only for some commands (prompts, Kafka) loads too, wherever it is installed.
  const chunks = join(prefix, 'lib', 'node_modules', '@fjord', 'cli', 'dist', 'chunks')
  const lazy = (await readdir(chunks)).filter((name) => !name.startsWith('start-'))
  expect(lazy.length).toBeGreaterThan(0)
  const loader = join(dir, 'load.mjs')
  await writeFile(loader, 'for (const file of process.argv.slice(2)) await import(file)\n')
  await run('node', [loader, ...lazy.map((name) => join(chunks, name))], alone)
})

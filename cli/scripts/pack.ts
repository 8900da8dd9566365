/**
 * npm pack's prepack and postpack for @fjord/cli. The package ships the build (bin/ and dist/),
 * which holds every dependency, so its package.json must list none: the workspace ones
 * (@fjord/client, @fjord/time, @fjord/kafka) are on no registry, and the others would be
 * installed for nothing. prepack builds and puts such a package.json in place, keeping the clone's aside;
 * postpack puts the clone's back. npm runs postpack only when the pack succeeds, so prepack
 * first puts back one a failed pack left aside.
 */
import { existsSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildCli } from './build.ts'

const cli = join(import.meta.dirname, '..')
const manifest = join(cli, 'package.json')
/** In dist/, which git ignores, and not among the package's files. */
const aside = join(cli, 'dist', 'clone-package.json')

/** The package.json of the packed package: the clone's without what only the clone uses. */
function packedManifest(clone: Record<string, unknown>): Record<string, unknown> {
  const { dependencies, devDependencies, scripts, ...packed } = clone
  return packed
}

async function prepack(): Promise<void> {
  await putBack()
  await buildCli()
  const text = await readFile(manifest, 'utf8')
  await writeFile(aside, text)
  // Through a rename, so that nothing reads a half-written package.json.
  const next = `${manifest}.packing`
  await writeFile(next, `${JSON.stringify(packedManifest(JSON.parse(text)), null, 2)}\n`)
  await rename(next, manifest)
}

async function putBack(): Promise<void> {
  if (existsSync(aside)) await rename(aside, manifest)
}

const steps: Record<string, () => Promise<void>> = { prepack, postpack: putBack }
const step = steps[process.argv[2] ?? '']
if (!step) throw new Error('usage: node scripts/pack.ts prepack|postpack')
await step()

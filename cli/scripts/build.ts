/**
 * Builds fjord for the packed package: dist/fjord.mjs is src/main.ts with everything it imports,
 * the workspace packages (@fjord/client, @fjord/time, @fjord/kafka) as well, so that the
 * package needs nothing from a registry. What fjord imports only when a command needs it (prompts, the Kafka client)
 * goes to dist/chunks/, loaded then, so that a start parses only the entry. The licences of the bundled packages go beside it, in dist/THIRD-PARTY-LICENSES.txt.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { build, type Metafile } from 'esbuild'

const cli = join(import.meta.dirname, '..')
const dist = join(cli, 'dist')

export async function buildCli(): Promise<void> {
  await rm(dist, { recursive: true, force: true })
  const { metafile } = await build({
    absWorkingDir: cli,
    entryPoints: { fjord: join(cli, 'src', 'main.ts') },
    outdir: dist,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // The ESM build of a package where it has one; the CommonJS ones get a require.
    mainFields: ['module', 'main'],
    // Its default build reads native.wasm beside itself, which a bundle does not have.
    alias: { '@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled' },
    banner: {
      js: "import { createRequire as fjordCreateRequire } from 'node:module'; const require = fjordCreateRequire(import.meta.url);",
    },
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  })
  await writeFile(join(dist, 'THIRD-PARTY-LICENSES.txt'), await licenseTexts(metafile))
}

/** The licence of every package in the bundle, from its own LICENSE file. */
async function licenseTexts(metafile: Metafile): Promise<string> {
  // A package's directory is its path up to the last node_modules/<name>, nested ones too.
  const dirs = new Set<string>()
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (match?.[1]) dirs.add(join(cli, match[1]))
  }
  const sections: string[] = []
  for (const dir of [...dirs].sort()) {
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
    const file = (await readdir(dir)).find((entry) => /^licen[cs]e/i.test(entry))
    const text = file ? await readFile(join(dir, file), 'utf8') : `${manifest.license}`
    sections.push(`${manifest.name}@${manifest.version} (${manifest.license})\n\n${text.trim()}\n`)
  }
  return `fjord bundles these packages:\n\n${sections.join(`\n${'-'.repeat(72)}\n\n`)}`
}

if (import.meta.main) await buildCli()

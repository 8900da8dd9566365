import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const webDir = dirname(dirname(fileURLToPath(import.meta.url)))
const distDir = join(webDir, 'dist')
const keyFile = join(distDir, '.build-key')

/** Everything the build reads: the sources, the config and the locked dependency versions. */
function sourceKey(): string {
  const hash = createHash('sha256')
  const files = [
    'index.html',
    'vite.config.ts',
    join('scripts', 'build.ts'),
    'package.json',
    join('..', 'package-lock.json'),
    ...walk(join(webDir, 'src')),
    ...walk(join(webDir, 'public')),
  ]
  for (const file of files) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(webDir, file)))
      .update('\0')
  }
  return hash.digest('hex')
}

function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(webDir, join(entry.parentPath, entry.name)))
    .sort()
}

/**
 * Builds the console into `web/dist` unless the build there was made from the same sources:
 * `npm start` and `npm test` call it, so the README's two commands serve a current console.
 */
export async function ensureConsoleBuilt(options: { force?: boolean } = {}): Promise<{
  dir: string
  built: boolean
}> {
  const key = sourceKey()
  if (!options.force && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) {
    return { dir: distDir, built: false }
  }
  // Built aside and swapped in, so an api reading dist/ meanwhile never sees half a build.
  const aside = `${distDir}.${process.pid}`
  const { build } = await import('vite')
  // A production build whoever asks: vite follows NODE_ENV, which vitest sets to test, into
  // React's development build and JSX (833 KB of script rather than 545 KB), and npm start
  // would then serve that build as current.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({
      root: webDir,
      configFile: join(webDir, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: aside },
    })
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  }
  writeFileSync(join(aside, '.build-key'), key)
  const old = `${distDir}.old.${process.pid}`
  if (existsSync(distDir)) renameSync(distDir, old)
  renameSync(aside, distDir)
  rmSync(old, { recursive: true, force: true })
  return { dir: distDir, built: true }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } })
  const started = performance.now()
  const { dir, built } = await ensureConsoleBuilt({ force: values.force })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  process.stdout.write(
    built ? `console built into ${dir} (${seconds}s)\n` : `console in ${dir} is current\n`,
  )
}

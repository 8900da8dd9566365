import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from './context.ts'

/**
 * What the console's pages may load: scripts only from this origin (no inline script, no
 * eval), requests only to this origin, no framing. Styles allow inline ones: the dialog's
 * scroll lock and the API reference insert `<style>` elements, which run no code.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** The headers of every page and asset the api serves to a browser. */
export function securityHeaders(c: Context): void {
  c.header('content-security-policy', contentSecurityPolicy)
  c.header('x-content-type-options', 'nosniff')
  c.header('referrer-policy', 'same-origin')
  c.header('cross-origin-opener-policy', 'same-origin')
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
}

interface StaticFile {
  body: Uint8Array
  gzipped: Uint8Array | undefined
  type: string
}

/**
 * A folder of built files (those whose `/`-rooted path `include` accepts), read once into
 * memory, text compressed ahead of time.
 */
export function readStaticFiles(
  dir: string,
  include: (path: string) => boolean = () => true,
): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue
    const path = join(entry.parentPath, entry.name)
    const servedPath = `/${relative(dir, path).split(sep).join('/')}`
    if (!include(servedPath)) continue
    const body = readFileSync(path)
    const type = types[extname(path)] ?? 'application/octet-stream'
    const compressible = /text|javascript|json|svg/.test(type) && body.length > 1024
    files.set(servedPath, {
      body,
      gzipped: compressible ? gzipSync(body, { level: 9 }) : undefined,
      type,
    })
  }
  return files
}

/** One built file, gzipped when the browser takes it. */
export function sendStatic(c: Context, file: StaticFile, cacheControl: string): Response {
  securityHeaders(c)
  c.header('content-type', file.type)
  c.header('cache-control', cacheControl)
  c.header('vary', 'accept-encoding')
  const gzip = file.gzipped && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')
  if (gzip) c.header('content-encoding', 'gzip')
  return c.body(new Uint8Array(gzip && file.gzipped ? file.gzipped : file.body))
}

/** Where @fjord/web puts its build, found by its package name. */
export function defaultConsoleDir(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@fjord/web/package.json'))), 'dist')
}

const apiPrefixes = ['/v1/', '/admin/', '/internal/', '/docs']

/**
 * Serves the built console: its hashed assets cached for good, and `index.html` (never
 * cached) for every other page a browser asks for, so the app's own router takes the URL.
 * Without a build, pages answer 503 with how to make one.
 */
export function serveConsole(dir: string): MiddlewareHandler<AppEnv> {
  // Read (and gzipped) on the first page a browser asks for rather than at start-up: an api
  // that serves none, as in most tests, never pays for it. `null`: there is no build.
  let files: ReturnType<typeof readStaticFiles> | null | undefined
  return async (c, next) => {
    const { method, path } = c.req
    if ((method !== 'GET' && method !== 'HEAD') || apiPrefixes.some((p) => path.startsWith(p))) {
      return next()
    }
    files ??= existsSync(join(dir, 'index.html')) ? readStaticFiles(dir) : null
    const asset = files?.get(path)
    if (asset && path !== '/index.html') {
      const immutable = path.startsWith('/assets/')
      return sendStatic(c, asset, immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    }
    if (!(c.req.header('accept') ?? '').includes('text/html')) return next()
    const index = files?.get('/index.html')
    if (!index) {
      securityHeaders(c)
      return c.text(
        `The web console is not built in ${dir}: run \`npm run build -w @fjord/web\`.\n`,
        503,
      )
    }
    return sendStatic(c, index, 'no-cache')
  }
}

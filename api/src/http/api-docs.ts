import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readStaticFiles, securityHeaders, sendStatic } from './console.ts'
import type { newRouter } from './router.ts'

/** Scalar's code-split ESM build, as npm installed it: an entry module and its hashed chunks. */
function scalarBuild() {
  const dist = dirname(fileURLToPath(import.meta.resolve('@scalar/api-reference')))
  const { version } = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as {
    version: string
  }
  return { dir: join(dist, 'browser'), version }
}

/**
 * What the reference may do: read the document from this origin and nothing else. No fonts from
 * fonts.scalar.com, no telemetry, no agent or MCP, and no request proxy (the API is this origin).
 */
const referenceConfiguration = {
  url: '/v1/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
  hideClientButton: true,
  documentDownloadType: 'json',
}

const escapeAttribute = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;')

/**
 * The reference page. Scalar's HTML API reads its configuration from the data attributes of
 * `<script id="api-reference" type="application/json">`, a data block the browser never runs, so
 * the page needs no inline script and keeps the console's `script-src 'self'`.
 */
function referencePage(assets: string): string {
  const configuration = escapeAttribute(JSON.stringify(referenceConfiguration))
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <title>Fjord API reference</title>
  </head>
  <body>
    <script id="api-reference" type="application/json" data-url="${referenceConfiguration.url}" data-configuration="${configuration}"></script>
    <script type="module" src="${assets}/standalone.esm.js"></script>
  </body>
</html>
`
}

/**
 * Serves the OpenAPI 3.1 document built from the routes' zod schemas, and a reference page
 * whose assets come from the installed npm package, so it works without the internet.
 */
export function serveApiDocs(app: ReturnType<typeof newRouter>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A platform API key (fjord_…), scoped to one organization and a role',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'fjord_session',
    description: 'Console session; writes must also send X-CSRF-Token',
  })
  app.get('/v1/openapi.json', (c) =>
    c.json(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Fjord API',
          version: '1.0.0',
          description: 'Kafka as a service: organizations, clusters, topics, credentials, quotas.',
        },
        servers: [{ url: new URL(c.req.url).origin }],
      }),
    ),
  )

  const scalar = scalarBuild()
  // The version in the path makes every asset safe to cache for good, the entry module too.
  const assets = `/docs/assets/${scalar.version}`
  const page = referencePage(assets)
  // Read (and gzipped) on the first request rather than at start-up: most apps never serve it.
  let files: ReturnType<typeof readStaticFiles> | undefined
  app.get('/docs', (c) => {
    securityHeaders(c)
    c.header('cache-control', 'no-cache')
    return c.html(page)
  })
  app.get(`${assets}/*`, (c, next) => {
    files ??= readStaticFiles(
      scalar.dir,
      (path) => path === '/standalone.esm.js' || /^\/chunks\/[\w.-]+\.js$/.test(path),
    )
    const file = files.get(c.req.path.slice(assets.length))
    return file ? sendStatic(c, file, 'public, max-age=31536000, immutable') : next()
  })
}

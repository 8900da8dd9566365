#!/usr/bin/env node
/**
 * Prints the OpenAPI document the api serves at /v1/openapi.json, from which
 * `npm run client:generate` makes packages/client. Builds the app in-process on PGlite in
 * memory: no server, no Kubernetes, no migrations (serving the document reads no table).
 */
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/client.ts'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** Map keys in order, so that moving a route between modules does not reorder the file. */
function sortedKeys(map: { [key: string]: Json }): { [key: string]: Json } {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

const config = loadConfig({ FJORD_IN_MEMORY: 'true', LOG_LEVEL: 'silent' })
const database = openDatabase(config)
const { app, close } = createApp({ config, database })
const response = await app.request('/v1/openapi.json')
if (!response.ok) throw new Error(`GET /v1/openapi.json answered ${response.status}`)
const { servers: _where, ...document } = (await response.json()) as {
  [key: string]: Json
  paths: { [path: string]: Json }
  components: { [section: string]: { [name: string]: Json } }
}
await close()
await database.close()

// `servers` names the host that was asked: a client is given its own base URL.
const written = {
  ...document,
  paths: sortedKeys(document.paths),
  components: sortedKeys(
    Object.fromEntries(
      Object.entries(document.components).map(([section, entries]) => [
        section,
        sortedKeys(entries),
      ]),
    ),
  ),
}
process.stdout.write(`${JSON.stringify(written, null, 2)}\n`)

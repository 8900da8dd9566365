#!/usr/bin/env node
/**
 * Writes the OpenAPI document the api serves at /v1/openapi.json to a file (or stdout), for the
 * generated client (packages/client). Builds the app in-process on PGlite in memory: no server,
 * no Kubernetes, no migrations (serving the document reads no table).
 */
import { writeFileSync } from 'node:fs'
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
const text = `${JSON.stringify(written, null, 2)}\n`
const [file] = process.argv.slice(2)
if (file) writeFileSync(file, text)
else process.stdout.write(text)

import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'

export interface Served {
  /** `http://127.0.0.1:<port>`, with no trailing slash. */
  url: string
  port: number
  close(): Promise<void>
}

/**
 * Serves a fetch handler (a test api's `fetch`, say) over HTTP on a free port of 127.0.0.1,
 * for what must reach it as a real client does: another process, the operator's metering.
 */
export async function serveOnPort(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<Served> {
  const server = serve({ fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

import { afterEach, describe, expect, test } from 'vitest'
import { reconcilesTotal } from './metrics.ts'
import { type HealthServer, operatorReadiness, startHealthServer } from './server.ts'

describe('the health server', () => {
  let server: HealthServer | undefined
  afterEach(async () => {
    await server?.close()
  })

  async function get(path: string) {
    const response = await fetch(`http://127.0.0.1:${server?.port}${path}`)
    return { status: response.status, text: await response.text() }
  }

  test('is ready only once every informer has synced and the elector is healthy', async () => {
    const informer = { hasSynced: false }
    const elector = { healthy: true }
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      ready: operatorReadiness({ informers: [{ name: 'KafkaTopic', informer }], elector }),
    })
    expect(await get('/readyz')).toEqual({
      status: 503,
      text: 'informer KafkaTopic has not synced\n',
    })
    informer.hasSynced = true
    expect((await get('/readyz')).status).toBe(200)
    elector.healthy = false
    expect(await get('/readyz')).toEqual({ status: 503, text: 'leader election is not running\n' })
    expect((await get('/healthz')).status).toBe(200)
    expect((await get('/nope')).status).toBe(404)
  })

  test('serves the operator metrics in the Prometheus text format', async () => {
    reconcilesTotal.inc({ kind: 'ServerTest', result: 'success' })
    server = await startHealthServer({ port: 0, host: '127.0.0.1', ready: () => [] })
    const { status, text } = await get('/metrics')
    expect(status).toBe(200)
    expect(text).toContain('fjord_operator_reconciles_total{kind="ServerTest",result="success"} 1')
    expect(text).toContain('fjord_operator_process_resident_memory_bytes')
  })
})

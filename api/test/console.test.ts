import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const html = { accept: 'text/html,application/xhtml+xml' }
const script = `console.log(${JSON.stringify('x'.repeat(4000))})`
let api: TestApi
let unbuilt: TestApi

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fjord-console-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Fjord</title>')
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), script)
  api = await startTestApi({ consoleDir: dir })
  unbuilt = await startTestApi({ consoleDir: mkdtempSync(join(tmpdir(), 'fjord-unbuilt-')) })
})
afterAll(async () => {
  await api.close()
  await unbuilt.close()
})

describe('the api serving the web console', () => {
  it('answers every page a browser asks for with index.html, under a strict CSP', async () => {
    for (const path of ['/', '/orgs/acme/clusters/main/topics?q=orders']) {
      const response = await api.request('GET', path, { headers: html })
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('<title>Fjord</title>')
      expect(response.headers.get('cache-control')).toBe('no-cache')
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toMatch(/script-src[^;]*unsafe/)
    }
  })

  it('serves hashed assets for good, gzipped when the browser takes it', async () => {
    const response = await api.request('GET', '/assets/index-abc123.js', {
      headers: { 'accept-encoding': 'gzip, br' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/javascript')
    expect(response.headers.get('cache-control')).toContain('immutable')
    expect(response.headers.get('content-encoding')).toBe('gzip')
    const body = Buffer.from(await response.arrayBuffer())
    expect(body.length).toBeLessThan(script.length)
    expect(gunzipSync(body).toString()).toBe(script)
  })

  it('leaves the API its own answers: a JSON client gets problems, never the page', async () => {
    const unknownApi = await expectStatus(
      await api.request('GET', '/v1/no-such-thing', { headers: html }),
      404,
    )
    expect(unknownApi.code).toBe('not_found')
    const missingAsset = await expectStatus(await api.request('GET', '/assets/gone.js'), 404)
    expect(missingAsset.code).toBe('not_found')
    await expectStatus(await api.request('GET', '/readyz', { headers: html }), 200)
  })

  it('says how to build the console when there is no build', async () => {
    const response = await unbuilt.request('GET', '/', { headers: html })
    expect(response.status).toBe(503)
    expect(await response.text()).toContain('npm run build -w @fjord/web')
  })
})

import { gunzipSync } from 'node:zlib'
import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

async function theReferencePage() {
  const response = await api.request('GET', '/docs', { headers: { accept: 'text/html' } })
  expect(response.status).toBe(200)
  return { response, html: await response.text() }
}

describe('the API reference at /docs', () => {
  it("is served under the console's CSP, with no inline script and nothing from elsewhere", async () => {
    const { response, html } = await theReferencePage()
    const consolePage = await api.request('GET', '/', { headers: { accept: 'text/html' } })
    const csp = response.headers.get('content-security-policy')
    expect(csp).toBe(consolePage.headers.get('content-security-policy'))
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/script-src[^;]*(unsafe|http)/)
    const scripts = [...html.matchAll(/<script\b([^>]*)>([^<]*)<\/script>/g)]
    expect(scripts.length).toBeGreaterThan(0)
    for (const [tag, attributes, body] of scripts) {
      const data = /type="application\/json"/.test(attributes ?? '')
      const sourced = /\bsrc="\/[^/]/.test(attributes ?? '') && body === ''
      expect(data || sourced, `${tag} is neither a data block nor a script of this origin`).toBe(
        true,
      )
    }
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).toContain('/v1/openapi.json')
  })

  it('serves the reference UI from the npm package, gzipped and cached for good', async () => {
    const { html } = await theReferencePage()
    const entry = html.match(/<script type="module" src="([^"]+)"/)?.[1]
    expect(entry).toMatch(/^\/docs\/assets\/[\d.]+\/standalone\.esm\.js$/)
    const response = await api.request('GET', entry ?? '', {
      headers: { 'accept-encoding': 'gzip' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/javascript')
    expect(response.headers.get('cache-control')).toContain('immutable')
    expect(response.headers.get('content-encoding')).toBe('gzip')
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
    const code = gunzipSync(Buffer.from(await response.arrayBuffer())).toString()
    expect(code).toContain('createApiReference')

    const chunks = new Set(
      Array.from(code.matchAll(/import\(`\.\/(chunks\/[^`]+\.js)`\)/g), (m) => m[1]),
    )
    expect(chunks.size).toBeGreaterThan(0)
    const base = entry?.replace(/standalone\.esm\.js$/, '')
    for (const chunk of chunks) {
      expect((await api.request('GET', `${base}${chunk}`)).status, chunk).toBe(200)
    }
  })

  it('serves only the ESM build: not the 4.7 MB single-file bundle, no source maps', async () => {
    const { html } = await theReferencePage()
    const base = html.match(/src="(\/docs\/assets\/[\d.]+\/)/)?.[1]
    for (const path of ['standalone.js', 'standalone.esm.js.map', 'chunks/nothing.js']) {
      await expectStatus(await api.request('GET', `${base}${path}`), 404)
    }
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConsole, type Console, screenshots } from './support.ts'

let web: Console

beforeAll(async () => {
  web = await aConsole()
})
afterAll(() => web?.stop())

describe('the API reference', () => {
  it('renders its operations with every request outside 127.0.0.1 blocked, under the CSP', async () => {
    const page = await web.newPage()
    const elsewhere: string[] = []
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url())
      if (url.hostname === '127.0.0.1') return route.continue()
      elsewhere.push(url.href)
      return route.abort('blockedbyclient')
    })
    const errors: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    page.on('pageerror', (error) => errors.push(error.message))

    await page.goto('/docs')
    await expect
      .poll(() => page.getByText('The process is alive').first().isVisible(), { timeout: 20_000 })
      .toBe(true)
    await page.getByRole('button', { name: 'Open Group - organizations' }).click()
    for (const summary of ['One organization', 'What the caller may do in this organization']) {
      await expect
        .poll(() => page.getByText(summary).first().isVisible(), { message: summary })
        .toBe(true)
    }
    await page.getByRole('link', { name: /^One organization/ }).click()
    const operation = page.getByRole('heading', { name: 'One organization' })
    await expect.poll(() => operation.isVisible()).toBe(true)
    await expect.poll(() => page.getByText('/v1/orgs/{org}').first().isVisible()).toBe(true)
    expect(await page.title()).toBe('Fjord API reference')
    await screenshots(page, 'api-reference')

    expect(elsewhere).toEqual([])
    expect(errors.filter((e) => /Content.Security.Policy|Refused to/i.test(e))).toEqual([])
    expect(errors).toEqual([])
  })
})

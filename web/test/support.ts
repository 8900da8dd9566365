import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import AxeBuilder from '@axe-core/playwright'
import { readStackEnv } from '@fjord/stack/env'
import { uniqueName } from '@fjord/testing/names'
import { aProduct, type ProductOptions } from '@fjord/testing/product'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { ensureConsoleBuilt } from '../scripts/build.ts'

export const password = 'a long enough password'
const screenshotDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'console')

/**
 * The product on the stack (api serving the current console build, provisioner, operator)
 * and a headless Chromium, Debian's, to drive it. `stop()` ends both.
 */
export async function aConsole(options: ProductOptions = {}) {
  await ensureConsoleBuilt()
  const product = await aProduct(options)
  const browser: Browser = await chromium.launch({
    executablePath: readStackEnv().chromium.bin,
    args: ['--no-sandbox'],
  })
  const contexts: BrowserContext[] = []
  return {
    product,
    url: product.url,
    browser,
    /** A page in a browser profile of its own (cookies apart), at 1280×800 unless told. */
    async newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
      const context = await browser.newContext({ baseURL: product.url, viewport })
      contexts.push(context)
      const page = await context.newPage()
      page.setDefaultTimeout(15_000)
      return page
    },
    async stop() {
      for (const context of contexts) await context.close()
      await browser.close()
      await product.stop()
    },
  }
}

export type Console = Awaited<ReturnType<typeof aConsole>>

export interface SignedUp {
  email: string
  password: string
  org: string
}

/** Signs up through the console's form; the page ends on the new org's clusters. */
export async function signUp(page: Page, prefix = 'web'): Promise<SignedUp> {
  const org = uniqueName(prefix)
  const email = `${org}@example.com`
  await page.goto('/signup')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByLabel('Organization').fill(org)
  await page.getByRole('button', { name: 'Sign up' }).click()
  await page.waitForURL(`**/orgs/${org}/clusters`)
  return { email, password, org }
}

/** Logs in through the console's form (the one already shown, with where it leads after). */
export async function logIn(page: Page, user: { email: string; password: string }) {
  if (new URL(page.url()).pathname !== '/login') await page.goto('/login')
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForURL((url) => url.pathname.startsWith('/orgs/'))
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze()
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target).join(', ')}`)
  expect(serious).toEqual([])
}

/**
 * The page as it is, in light and dark mode, into docs/console/<name>-light.png and
 * -dark.png: the screenshots docs/console.md shows.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true })
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    await page.screenshot({ path: join(screenshotDir, `${name}-${colorScheme}.png`) })
  }
  await page.emulateMedia({ colorScheme: null })
}

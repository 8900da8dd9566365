import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aConsole, type Console, expectAccessible, logIn, screenshots, signUp } from './support.ts'

let web: Console

beforeAll(async () => {
  web = await aConsole()
})
afterAll(() => web?.stop())

describe('the console shell', () => {
  it('signs up, lands on the new org, and runs under its CSP without a violation', async () => {
    const page = await web.newPage()
    const refused: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') refused.push(message.text())
    })
    await page.goto('/signup')
    await expectAccessible(page)
    await screenshots(page, 'signup')
    const user = await signUp(page)
    await expect
      .poll(() => page.getByRole('combobox', { name: 'Organization' }).inputValue())
      .toBe(user.org)
    expect(refused).toEqual([])
  })

  it('sends a visitor without a session to log in, and back where they were going', async () => {
    const first = await web.newPage()
    const user = await signUp(first)
    const page = await web.newPage()
    await page.goto(`/orgs/${user.org}/members`)
    await page.waitForURL('**/login?**')
    await expectAccessible(page)
    await screenshots(page, 'login')
    await logIn(page, user)
    expect(new URL(page.url()).pathname).toBe(`/orgs/${user.org}/members`)
  })

  it("shows another org's pages, and unknown URLs, as not found", async () => {
    const page = await web.newPage()
    await signUp(page)
    const other = await web.newPage()
    const stranger = await signUp(other, 'stranger')
    for (const path of [`/orgs/${stranger.org}/clusters`, '/no/such/page']) {
      await page.goto(path)
      await expect.poll(() => page.getByTestId('not-found').isVisible()).toBe(true)
    }
  })
})

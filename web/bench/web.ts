/**
 * bench:web — what the console costs a browser, measured in Debian's headless Chromium:
 *
 * 1. the gzipped JavaScript the first page loads (the log-in page, and the topics page),
 *    from the responses the browser actually received; limit 200 KiB;
 * 2. the time from navigation start until the topics page of a cluster with 5,000 topics is
 *    interactive: its table shows rows, and a search for the last topic shows that topic
 *    alone, found among all 5,000; limit 1 s (the median of several cold loads).
 *
 * It runs an api of its own on a port of its own, on the stack's PostgreSQL and without a
 * provisioner, so the topics never reach Kafka: the figures are the console's and the API's.
 * `npm run stack up` first, and stop `npm start` (its load would skew the times).
 */
import { createConnection } from 'node:net'
import { availableParallelism, loadavg } from 'node:os'
import { gzipSync } from 'node:zlib'
import { readStackEnv } from '@fjord/stack/env'
import { expectStatus, stackDatabase, startTestApi } from '@fjord/testing/api'
import { serveOnPort } from '@fjord/testing/http'
import { aTenant, type Tenant, withRoomyQuota } from '@fjord/testing/tenants'
import { type Browser, chromium, type Page } from 'playwright-core'
import { ensureConsoleBuilt } from '../scripts/build.ts'

const limits = { javascriptKiB: 200, interactiveMs: 1_000 }
const topicCount = 5_000
const runs = 9
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
const ms = (value: number) => `${value.toFixed(0)} ms`

class BenchError extends Error {}

/** Something on npm start's port means a product running beside the bench, skewing it. */
async function refuseBesideNpmStart(): Promise<void> {
  const listening = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: 8080 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
  if (listening) {
    throw new BenchError(
      'something listens on 127.0.0.1:8080 (npm start?): stop it, its load would skew the times',
    )
  }
}

/** A cluster of `count` topics, written with the bulk apply in the largest batches it takes. */
async function clusterWithTopics(api: Awaited<ReturnType<typeof startTestApi>>, tenant: Tenant) {
  const org = `/v1/orgs/${tenant.org}`
  const as = tenant.owner
  await expectStatus(
    await api.request('POST', `${org}/clusters`, { as, body: { name: 'bench', type: 'shared' } }),
    201,
  )
  const topics = Array.from({ length: topicCount }, (_, i) => ({
    name: `topic-${String(i).padStart(4, '0')}`,
    partitions: 1 + (i % 12),
    replicationFactor: 1,
    config: i % 3 === 0 ? { 'retention.ms': 86_400_000 } : {},
  }))
  const batch = 2_000
  for (let i = 0; i < topics.length; i += batch) {
    const body = { topics: topics.slice(i, i + batch) }
    await expectStatus(await api.request('PUT', `${org}/clusters/bench/topics`, { as, body }), 200)
  }
  return `/orgs/${tenant.org}/clusters/bench/topics`
}

interface Loaded {
  url: string
  gzipped: number
}

/**
 * Every script the page loads until it shows `ready` and the network is idle after, with its
 * size gzipped as served.
 */
async function scriptsLoadedBy(page: Page, path: string, ready: string): Promise<Loaded[]> {
  const pending: Promise<Loaded>[] = []
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return
    pending.push(
      response.body().then((body) => ({
        url: new URL(response.url()).pathname,
        gzipped: gzipSync(body, { level: 9 }).length,
      })),
    )
  })
  await page.goto(path)
  await page.locator(ready).first().waitFor()
  await page.waitForLoadState('networkidle')
  return Promise.all(pending)
}

/** A browser profile of its own (an empty cache) with the tenant's session. */
async function signedInPage(browser: Browser, baseURL: string, tenant: Tenant) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } })
  await context.addCookies(
    tenant.owner.cookie.split('; ').map((pair) => {
      const at = pair.indexOf('=')
      return { name: pair.slice(0, at), value: pair.slice(at + 1), url: baseURL }
    }),
  )
  return { context, page: await context.newPage() }
}

interface Timing {
  /** The console's JavaScript loaded and run (DOMContentLoaded). */
  scripts: number
  firstRows: number
  /** The search box filters the rows in so far. */
  searchResponds: number
  /** The last page of topics in from the API. */
  allTopics: number
  interactive: number
}

/**
 * One cold load of the topics page: milliseconds since navigation start (the page's own
 * clock) until rows show, and until a search for the last topic shows it alone among all.
 */
async function timeTopicsPage(page: Page, path: string): Promise<Timing> {
  const last = `topic-${String(topicCount - 1).padStart(4, '0')}`
  const all = topicCount.toLocaleString('en')
  await page.goto(path, { waitUntil: 'commit' })
  const firstRows = await (
    await page.waitForFunction(
      () => document.querySelector('tr.topic-row') !== null && performance.now(),
      undefined,
      { polling: 'raf' },
    )
  ).jsonValue()
  await page.getByRole('searchbox', { name: 'Search topics' }).fill(last)
  // The filter answers at once, over the topics in so far ("0 of 500 match (loading…)").
  const searchResponds = await (
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.topics-count')].some((element) =>
          element.textContent?.includes(' match'),
        ) && performance.now(),
      undefined,
      { polling: 'raf' },
    )
  ).jsonValue()
  const interactive = await (
    await page.waitForFunction(
      ({ last, expected }) => {
        const rows = document.querySelectorAll('tr.topic-row')
        const counted = [...document.querySelectorAll('.topics-count')].some(
          (element) => element.textContent === expected,
        )
        return counted && rows.length === 1 && rows[0]?.textContent?.startsWith(last)
          ? performance.now()
          : false
      },
      { last, expected: `1 of ${all} topics match` },
      { polling: 'raf', timeout: 30_000 },
    )
  ).jsonValue()
  const marks = await page.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[]
    const pages = performance
      .getEntriesByType('resource')
      .filter((entry) => /\/topics\?/.test(entry.name)) as PerformanceResourceTiming[]
    return {
      scripts: navigation?.domContentLoadedEventEnd ?? 0,
      allTopics: Math.max(...pages.map((entry) => entry.responseEnd)),
    }
  })
  return {
    ...marks,
    firstRows: Number(firstRows),
    searchResponds: Number(searchResponds),
    interactive: Number(interactive),
  }
}

const byValue = (a: number, b: number) => a - b
const at = (sorted: number[], share: number) => sorted[Math.floor(share * (sorted.length - 1))] ?? 0

function spread(values: number[]) {
  const sorted = [...values].sort(byValue)
  return {
    median: at(sorted, 0.5),
    text: `p25–p75 ${ms(at(sorted, 0.25))}–${ms(at(sorted, 0.75))}, min–max ${ms(sorted[0] ?? 0)}–${ms(sorted.at(-1) ?? 0)}, ${sorted.length} runs`,
  }
}

const verdict = (pass: boolean, limit: string) => `${pass ? 'PASS' : 'FAIL'} (limit ${limit})`

function printScripts(name: string, scripts: Loaded[]): boolean {
  const total = scripts.reduce((sum, script) => sum + script.gzipped, 0)
  const pass = total <= limits.javascriptKiB * 1024
  process.stdout.write(
    `JavaScript loaded by ${name.padEnd(16)} ${kib(total).padStart(10)} gzipped in ${scripts.length} file(s)  ${verdict(pass, `${limits.javascriptKiB} KiB`)}\n`,
  )
  for (const script of [...scripts].sort((a, b) => b.gzipped - a.gzipped)) {
    process.stdout.write(`  ${kib(script.gzipped).padStart(10)}  ${script.url}\n`)
  }
  return pass
}

let browser: Browser | undefined
let close: (() => Promise<void>) | undefined
try {
  await refuseBesideNpmStart()
  const built = await ensureConsoleBuilt()
  process.stdout.write(`console ${built.built ? 'built' : 'build is current'} in ${built.dir}\n`)
  const api = await startTestApi({ databaseUrl: await stackDatabase('fjord_bench_web') })
  const served = await serveOnPort(api.fetch)
  close = async () => {
    await served.close()
    await api.close()
  }
  const tenant = await aTenant(api)
  await withRoomyQuota(api, tenant)
  const started = performance.now()
  const topicsPath = await clusterWithTopics(api, tenant)
  browser = await chromium.launch({
    executablePath: readStackEnv().chromium.bin,
    args: ['--no-sandbox'],
  })
  const [load] = loadavg()
  process.stdout.write(
    `${topicCount.toLocaleString('en')} topics written in ${ms(performance.now() - started)}; Chromium ${browser.version()}, Node ${process.versions.node}; load ${load?.toFixed(1)} on ${availableParallelism()} CPUs\n\n`,
  )

  let pass = true
  {
    const context = await browser.newContext({ baseURL: served.url })
    const page = await context.newPage()
    const scripts = await scriptsLoadedBy(page, '/login', 'form button[type=submit]')
    pass = printScripts('the log-in page', scripts) && pass
    await context.close()
  }
  {
    const { context, page } = await signedInPage(browser, served.url, tenant)
    const scripts = await scriptsLoadedBy(page, topicsPath, 'tr.topic-row')
    pass = printScripts('the topics page', scripts) && pass
    await context.close()
  }

  const timings: Timing[] = []
  // The first load warms the api and Chromium up; it is not counted.
  for (let run = 0; run <= runs; run++) {
    const { context, page } = await signedInPage(browser, served.url, tenant)
    const timing = await timeTopicsPage(page, topicsPath)
    if (run > 0) timings.push(timing)
    await context.close()
  }
  const interactive = spread(timings.map((t) => t.interactive))
  const fast = interactive.median <= limits.interactiveMs
  pass &&= fast
  const figures: [string, keyof Timing, string?][] = [
    ['scripts run (DOMContentLoaded)', 'scripts'],
    ['first rows shown', 'firstRows'],
    ['search filters the rows in so far', 'searchResponds'],
    ['last page of topics in', 'allTopics'],
    ['interactive: search finds the last', 'interactive', verdict(fast, ms(limits.interactiveMs))],
  ]
  process.stdout.write(
    `\nTopics page, ${topicCount.toLocaleString('en')} topics, cold cache, from navigation start:\n`,
  )
  for (const [label, key, judged] of figures) {
    const { median, text } = spread(timings.map((t) => t[key]))
    process.stdout.write(
      `  ${label.padEnd(36)} median ${ms(median).padStart(7)}  (${text})${judged ? `  ${judged}` : ''}\n`,
    )
  }
  if (!pass) process.exitCode = 1
} catch (error) {
  if (!(error instanceof BenchError)) throw error
  process.stderr.write(`bench:web: ${error.message}\n`)
  process.exitCode = 1
} finally {
  await browser?.close()
  await close?.()
}

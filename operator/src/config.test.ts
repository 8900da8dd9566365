import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadConfig, operatorNodeFlags } from './config.ts'

describe('operator configuration', () => {
  test('has defaults for everything and takes the kubeconfig from the environment', () => {
    expect(loadConfig([], { KUBECONFIG: '/k', POD_NAMESPACE: 'ops' })).toMatchObject({
      kubeconfig: '/k',
      leaseNamespace: 'ops',
      port: 8081,
      topicConcurrency: 64,
      resyncMs: 300_000,
      installCrds: false,
    })
  })

  test('reads flags over the environment', () => {
    const config = loadConfig(
      ['--kubeconfig', '/a', '--port', '0', '--topic-concurrency', '200', '--selector', 'x=y'],
      {
        KUBECONFIG: '/b',
      },
    )
    expect(config).toMatchObject({
      kubeconfig: '/a',
      port: 0,
      topicConcurrency: 200,
      selector: 'x=y',
    })
  })

  test.each([
    [
      ['--topic-concurrency', '0'],
      '--topic-concurrency must be a whole number from 1 to 1000, got "0"',
    ],
    [['--port', '70000'], '--port must be a whole number from 1 to 65535, got "70000"'],
    [
      ['--resync-seconds', 'soon'],
      '--resync-seconds must be a whole number from 1 to 86400, got "soon"',
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => loadConfig(argv, {})).toThrow(message)
  })

  test('meters usage only with a URL, and then needs the token from the environment', () => {
    expect(loadConfig([], {})).toMatchObject({ metering: undefined })
    expect(
      loadConfig(['--metering-interval-seconds', '30'], {
        FJORD_METERING_URL: 'http://api:8080/internal/v1/usage-samples',
        FJORD_METERING_TOKEN: 'secret',
      }),
    ).toMatchObject({
      metering: {
        url: 'http://api:8080/internal/v1/usage-samples',
        token: 'secret',
        intervalMs: 30_000,
      },
    })
    expect(
      loadConfig(['--metering-url', 'https://api/x'], {
        FJORD_METERING_URL: 'http://other',
        FJORD_METERING_TOKEN: 't',
      }),
    ).toMatchObject({ metering: { url: 'https://api/x', intervalMs: 60_000 } })
  })

  test.each([
    [['--metering-url', 'http://api/x'], {}, /needs the api's token in FJORD_METERING_TOKEN/],
    [['--metering-url', 'ftp://api/x'], { FJORD_METERING_TOKEN: 't' }, /http or https URL/],
    [['--metering-url', 'api'], { FJORD_METERING_TOKEN: 't' }, /http or https URL, got "api"/],
    [['--metering-interval-seconds', '0'], {}, /from 1 to 3600, got "0"/],
  ])('refuses metering flags %j with %j', (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(message)
  })

  test('logs from info up unless told otherwise', () => {
    expect(loadConfig([], {})).toMatchObject({ logLevel: 'info' })
    expect(loadConfig(['--log-level', 'debug'], {})).toMatchObject({ logLevel: 'debug' })
    expect(() => loadConfig(['--log-level', 'verbose'], {})).toThrow(
      '--log-level must be one of debug, info, warn, error, got "verbose"',
    )
  })

  test('refuses an unknown flag', () => {
    expect(() => loadConfig(['--colour'], {})).toThrow(/--colour/)
  })

  test('npm run operator starts it with the same Node flags as every other launcher', () => {
    const root = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    )
    expect(root.scripts.operator).toBe(`node ${operatorNodeFlags.join(' ')} operator/src/main.ts`)
  })
})

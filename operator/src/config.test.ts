import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadConfig, operatorNodeFlags } from './config.ts'

// Any file this process can read stands for a kubeconfig: only its presence is checked here.
const aFile = import.meta.filename
const aToken = 'a-metering-token-of-24-chars'

describe('operator configuration', () => {
  test('has defaults for everything and takes the kubeconfig from the environment', () => {
    expect(loadConfig([], { KUBECONFIG: aFile, POD_NAMESPACE: 'ops' })).toMatchObject({
      kubeconfig: aFile,
      leaseNamespace: 'ops',
      port: 8081,
      topicConcurrency: 256,
      resyncMs: 300_000,
      installCrds: false,
      shutdownGraceMs: 20_000,
    })
    expect(loadConfig([], {})).not.toHaveProperty('portFile')
  })

  test('reads flags over the environment', () => {
    const config = loadConfig(
      ['--kubeconfig', aFile, '--port', '0', '--topic-concurrency', '200', '--selector', 'x=y'],
      {
        KUBECONFIG: '/b',
      },
    )
    expect(config).toMatchObject({
      kubeconfig: aFile,
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
        FJORD_METERING_TOKEN: aToken,
      }),
    ).toMatchObject({
      metering: {
        url: 'http://api:8080/internal/v1/usage-samples',
        token: aToken,
        intervalMs: 30_000,
      },
    })
    expect(
      loadConfig(['--metering-url', 'https://api/x'], {
        FJORD_METERING_URL: 'http://other',
        FJORD_METERING_TOKEN: aToken,
      }),
    ).toMatchObject({ metering: { url: 'https://api/x', intervalMs: 60_000 } })
  })

  test.each([
    [['--metering-url', 'http://api/x'], {}, /needs the api's token in FJORD_METERING_TOKEN/],
    [['--metering-url', 'ftp://api/x'], { FJORD_METERING_TOKEN: aToken }, /http or https URL/],
    [['--metering-url', 'api'], { FJORD_METERING_TOKEN: aToken }, /http or https URL, got "api"/],
    [['--metering-interval-seconds', '0'], {}, /from 1 to 3600, got "0"/],
  ])('refuses metering flags %j with %j', (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(message)
  })

  test.each([
    [{ KUBECONFIG: '/no/such/kubeconfig' }, /^KUBECONFIG must name a kubeconfig file .*ENOENT/],
    [{ POD_NAMESPACE: 'Fjord_System' }, /^POD_NAMESPACE must be a namespace's name/],
    [{ FJORD_METERING_URL: 'api:8080' }, /^FJORD_METERING_URL must be an http or https URL/],
    [
      { FJORD_METERING_URL: 'http://api:8080/internal/v1/usage-samples' },
      /^FJORD_METERING_URL needs the api's token in FJORD_METERING_TOKEN/,
    ],
    [{ FJORD_METERING_TOKEN: 'short' }, /^FJORD_METERING_TOKEN must be at least 16 characters/],
    [{ FJORD_SHUTDOWN_GRACE_SECONDS: '0' }, /^FJORD_SHUTDOWN_GRACE_SECONDS must be a whole number/],
  ])('refuses the environment %j, naming the variable', (env, message) => {
    expect(() => loadConfig([], env)).toThrow(message)
  })

  test('names the flag, not the variable, when the flag gave the value', () => {
    expect(() => loadConfig(['--lease-namespace', 'A'], { POD_NAMESPACE: 'ok' })).toThrow(
      /^--lease-namespace must be a namespace's name/,
    )
  })

  test('takes the port file and the shutdown grace from the environment', () => {
    expect(
      loadConfig([], { FJORD_PORT_FILE: '/tmp/port', FJORD_SHUTDOWN_GRACE_SECONDS: '5' }),
    ).toMatchObject({ portFile: '/tmp/port', shutdownGraceMs: 5_000 })
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

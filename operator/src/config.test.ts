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

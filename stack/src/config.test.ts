import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadConfig, versions } from './config.ts'

describe('stack configuration', () => {
  test('takes ports from the environment', () => {
    const config = loadConfig({ FJORD_KAFKA_PORT: '29092', FJORD_POSTGRES_PORT: '' })
    expect(config.ports.kafka).toBe(29092)
    expect(config.ports.postgres).toBe(54329)
  })

  test.each(['80', '70000', 'abc', '1.5'])(
    'refuses the port "%s" with the variable named',
    (value) => {
      expect(() => loadConfig({ FJORD_ETCD_PORT: value })).toThrow(
        `FJORD_ETCD_PORT must be a port number between 1024 and 65535, got "${value}"`,
      )
    },
  )

  test('keys the cache by the same versions that stack/kube/go.mod builds', () => {
    const goMod = readFileSync(join(loadConfig().repoRoot, 'stack', 'kube', 'go.mod'), 'utf8')
    expect(goMod).toMatch(new RegExp(`^\\s*k8s\\.io/kubernetes ${versions.kubernetes}$`, 'm'))
    expect(goMod).toMatch(new RegExp(`^\\s*go\\.etcd\\.io/etcd/server/v3 ${versions.etcd}$`, 'm'))
    const staging = [...goMod.matchAll(/^\s*k8s\.io\/\S+ => k8s\.io\/\S+ (v\S+)$/gm)].map(
      (m) => m[1],
    )
    expect(staging.length).toBeGreaterThan(30)
    expect(new Set(staging)).toEqual(new Set([versions.kubernetes.replace(/^v1\./, 'v0.')]))
  })
})

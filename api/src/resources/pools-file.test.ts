import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { readPoolsFile } from './pools-file.ts'

const dir = mkdtempSync(join(tmpdir(), 'fjord-pools-'))
let files = 0

/** A file holding `text`, as a mounted ConfigMap or Secret key holds it. */
function aFile(text: string): string {
  const path = join(dir, `file-${files++}`)
  writeFileSync(path, text)
  return path
}

const aPool = (overrides: Record<string, unknown> = {}) => ({
  name: 'eu-1',
  bootstrapServers: ['kafka-0.kafka:9092'],
  maxPartitions: 1000,
  admin: { username: 'admin', password: 'secret' },
  ...overrides,
})

const poolsFile = (pools: unknown) => aFile(JSON.stringify(pools))

describe('readPoolsFile', () => {
  test('reads each pool as PUT /admin/v1/pools/{pool} takes it, with its defaults', () => {
    expect(readPoolsFile(poolsFile([aPool({ region: 'eu' })]))).toEqual([
      {
        name: 'eu-1',
        spec: {
          bootstrapServers: ['kafka-0.kafka:9092'],
          securityProtocol: 'SASL_PLAINTEXT',
          saslMechanism: 'SCRAM-SHA-256',
          admin: { username: 'admin', password: 'secret' },
          maxPartitions: 1000,
          region: 'eu',
        },
      },
    ])
    expect(readPoolsFile(poolsFile([]))).toEqual([])
  })

  test('reads the credentials from their files, without the newline a file ends with', () => {
    const admin = { usernameFile: aFile('admin\n'), passwordFile: aFile('p4ss word\r\n') }
    const [pool] = readPoolsFile(poolsFile([aPool({ admin })]))
    expect(pool?.spec.admin).toEqual({ username: 'admin', password: 'p4ss word' })
  })

  test.each([
    ['a file that is not there', () => join(dir, 'none'), /cannot be read: ENOENT/],
    ['a file that is not JSON', () => aFile('pools:\n  - name: eu-1'), /is not JSON/],
    ['an object', () => poolsFile({ 'eu-1': aPool() }), /must hold a JSON array of pools$/],
    [
      'a pool the route would refuse',
      () => poolsFile([aPool({ maxPartitions: 0, bootstrapServers: ['kafka'] })]),
      /: pool "eu-1": bootstrapServers\.0: host:port; maxPartitions: Too small/,
    ],
    [
      'a field the route does not know',
      () => poolsFile([aPool({ capacity: 10 })]),
      /: pool "eu-1": \(body\): Unrecognized key: "capacity"/,
    ],
    [
      'a bad name',
      () => poolsFile([aPool(), aPool({ name: 'EU 2' })]),
      /: pool 1 \(the array's, from 0\): name: must be lowercase letters, digits and hyphens/,
    ],
    [
      'a password given twice',
      () => poolsFile([aPool({ admin: { username: 'a', password: 'b', passwordFile: '/x' } })]),
      /: pool "eu-1": admin: give password or passwordFile, not both/,
    ],
    [
      'no username',
      () => poolsFile([aPool({ admin: { password: 'b' } })]),
      /: pool "eu-1": admin\.username: give username or usernameFile/,
    ],
    [
      'a password file that is not there',
      () => poolsFile([aPool({ admin: { username: 'a', passwordFile: join(dir, 'none') } })]),
      /: pool "eu-1": admin\.passwordFile: cannot be read: ENOENT/,
    ],
    ['a pool listed twice', () => poolsFile([aPool(), aPool()]), /: pool "eu-1" is listed twice$/],
  ])('refuses %s, naming FJORD_POOLS_FILE and the file', (_, file, problem) => {
    const path = file()
    expect(() => readPoolsFile(path)).toThrow(`FJORD_POOLS_FILE (${path}): `)
    expect(() => readPoolsFile(path)).toThrow(problem)
  })
})

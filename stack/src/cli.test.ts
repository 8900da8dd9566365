import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'

const scratch = mkdtempSync(join(tmpdir(), 'fjord-cli-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function stack(args: string[], env: Record<string, string> = {}) {
  const stackDir = join(scratch, `${Math.random()}`.slice(2))
  const result = spawnSync(process.execPath, [join(import.meta.dirname, 'cli.ts'), ...args], {
    env: { ...process.env, FJORD_STACK_DIR: stackDir, ...env },
    encoding: 'utf8',
  })
  return { ...result, stackDir }
}

describe('the stack command line', () => {
  test('prints its usage for help', () => {
    const { status, stdout } = stack(['help'])
    expect(status).toBe(0)
    expect(stdout).toContain('Usage: npm run stack -- <command>')
  })

  test('refuses an unknown command, naming it, without touching the data folder', () => {
    const { status, stderr, stackDir } = stack(['frobnicate'])
    expect(status).toBe(1)
    expect(stderr).toMatch(/^stack: unknown command "frobnicate"/)
    expect(existsSync(stackDir)).toBe(false)
  })

  test('refuses a bad port variable with its name and no stack trace', () => {
    const { status, stderr } = stack(['status'], { FJORD_KAFKA_PORT: 'ninety' })
    expect(status).toBe(1)
    expect(stderr.trim()).toBe(
      'stack: FJORD_KAFKA_PORT must be a port number between 1024 and 65535, got "ninety"',
    )
  })

  test('refuses a bad line count and a bad database name', () => {
    expect(stack(['logs', '-n', '0']).stderr.trim()).toBe('stack: -n takes a whole number, got "0"')
    const db = stack(['database', 'Robert"); drop table'])
    expect(db.status).toBe(1)
    expect(db.stderr).toContain('is not a database name: use lower-case letters, digits and _')
  })

  test('refuses an unknown option', () => {
    const { status, stderr } = stack(['up', '--colour'])
    expect(status).toBe(1)
    expect(stderr).toMatch(/^stack: Unknown option '--colour'/)
  })
})

import { execFile } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { uniqueName } from '@fjord/testing/names'
import { expect } from 'vitest'

// fjord as its users run it: a subprocess with a config directory of its own, against an api
// served over HTTP.

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
export const password = 'correct horse battery staple'

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** A user of fjord: their own config directory, and the api URL in their environment. */
export async function aUser(apiUrl: string, env: Record<string, string> = {}) {
  const configHome = await mkdtemp(join(tmpdir(), 'fjord-cli-'))
  const baseEnv = {
    PATH: process.env.PATH ?? '',
    XDG_CONFIG_HOME: configHome,
    FJORD_API_URL: apiUrl,
  }
  const fjord = (args: string[], extra: Record<string, string> = {}, input = ''): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [main, ...args],
        { env: { ...baseEnv, ...env, ...extra } },
        (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
        },
      )
      child.stdin?.end(input)
    })
  return { fjord, configPath: join(configHome, 'fjord', 'config.yaml') }
}

/** Runs fjord and fails with what it printed unless it exited with `code`. */
export async function expectExit(run: Promise<Run>, code: number): Promise<Run> {
  const result = await run
  expect(
    result.code,
    `fjord exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
  ).toBe(code)
  return result
}

/** A user who signed up with fjord: an org of their own, logged in, with a cluster in use. */
export async function aSignedUpUser(apiUrl: string) {
  const user = await aUser(apiUrl)
  const org = uniqueName('org')
  const email = `${uniqueName('user')}@example.com`
  await expectExit(
    user.fjord(['signup', '--email', email, '--password', password, '--org', org]),
    0,
  )
  await expectExit(user.fjord(['clusters', 'create', 'main']), 0)
  await expectExit(user.fjord(['use', 'cluster', 'main']), 0)
  return { ...user, org, email }
}

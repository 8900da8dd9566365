import { readFileSync } from 'node:fs'
import type { KubeClient } from '@fjord/kube/client'
import { isKubeError } from '@fjord/kube/errors'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { fieldErrorsOf } from '../errors.ts'
import { kubeRefusal } from '../provisioner/kube.ts'
import { registerPool } from '../provisioner/pools.ts'
import { PoolNameSchema, type PoolSpec, PoolSpecSchema } from './pools.ts'

/** The variable that names the file, in every message about it. */
const variable = 'FJORD_POOLS_FILE'

/** Each credential inline, or in a file: a key of a Secret mounted into the pod. */
const FileAdminSchema = z
  .object({
    username: z.string().optional(),
    usernameFile: z.string().min(1).optional(),
    password: z.string().optional(),
    passwordFile: z.string().min(1).optional(),
  })
  .strict()

export interface PoolOfFile {
  name: string
  spec: PoolSpec
}

class PoolsFileError extends Error {
  constructor(path: string, problem: string) {
    super(`${variable} (${path}): ${problem}`)
  }
}

/**
 * The pools of FJORD_POOLS_FILE: a JSON array of the bodies PUT /admin/v1/pools/{name} takes,
 * each with its `name`, checked as that route checks them. Throws naming the variable, the
 * pool and the field.
 */
export function readPoolsFile(path: string): PoolOfFile[] {
  const entries = parseJson(path, readText(path))
  if (!Array.isArray(entries)) throw new PoolsFileError(path, 'must hold a JSON array of pools')
  const names = new Set<string>()
  return entries.map((entry, index) => {
    const pool = poolOfEntry(path, entry, index)
    if (names.has(pool.name)) throw new PoolsFileError(path, `pool "${pool.name}" is listed twice`)
    names.add(pool.name)
    return pool
  })
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new PoolsFileError(path, `cannot be read: ${(error as Error).message}`)
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new PoolsFileError(path, `is not JSON: ${(error as Error).message}`)
  }
}

function poolOfEntry(path: string, entry: unknown, index: number): PoolOfFile {
  const { name, admin, ...rest } = (entry ?? {}) as Record<string, unknown>
  const named = PoolNameSchema.safeParse(name)
  const which = named.success ? `pool "${named.data}"` : `pool ${index} (the array's, from 0)`
  const problems = named.success ? [] : [`name: ${named.error.issues[0]?.message}`]
  const credentials = FileAdminSchema.safeParse(admin ?? {})
  if (!credentials.success) {
    problems.push(...fieldErrorsOf(credentials.error, ['admin']).map(asText))
  } else {
    const username = credential(credentials.data, 'username', problems)
    const password = credential(credentials.data, 'password', problems)
    const spec = PoolSpecSchema.safeParse({ ...rest, admin: { username, password } })
    if (spec.success && named.success) return { name: named.data, spec: spec.data }
    if (!spec.success) problems.push(...fieldErrorsOf(spec.error).map(asText))
  }
  throw new PoolsFileError(path, `${which}: ${problems.join('; ')}`)
}

const asText = ({ path, message }: { path: string; message: string }) => `${path}: ${message}`

/** A credential given inline, or read from its file without the newline a file ends with. */
function credential(
  admin: z.infer<typeof FileAdminSchema>,
  field: 'username' | 'password',
  problems: string[],
): string | undefined {
  const inline = admin[field]
  const file = admin[`${field}File`]
  if (inline !== undefined && file !== undefined) {
    problems.push(`admin: give ${field} or ${field}File, not both`)
    return undefined
  }
  if (file === undefined) {
    if (inline === undefined) problems.push(`admin.${field}: give ${field} or ${field}File`)
    return inline
  }
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '')
  } catch (error) {
    problems.push(`admin.${field}File: cannot be read: ${(error as Error).message}`)
    return undefined
  }
}

/**
 * Registers every pool of the file as PUT /admin/v1/pools/{name} does; a pool already as the
 * file says is left untouched. Replicas starting together write the same pools at once: the
 * one that loses a race reads the pool again and finds it done.
 */
export async function registerPoolsOfFile(
  kube: KubeClient,
  config: Pick<Config, 'systemNamespace' | 'resourceLabels'>,
  path: string,
  pools: PoolOfFile[] = readPoolsFile(path),
): Promise<void> {
  for (const { name, spec } of pools) {
    for (let attempt = 1; ; attempt++) {
      try {
        await registerPool(kube, config, name, spec)
        break
      } catch (error) {
        const raced = isKubeError(error, 'conflict') || isKubeError(error, 'already_exists')
        if (raced && attempt < 5) continue
        throw new PoolsFileError(
          path,
          kubeRefusal(error, `pool "${name}" was not registered`).message,
        )
      }
    }
  }
}

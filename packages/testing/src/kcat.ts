import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tenantMechanism } from '@fjord/operator/kafka/scram'
import { readStackEnv } from '@fjord/stack/env'

export interface KcatResult {
  code: number
  stdout: string
  stderr: string
}

export interface KcatLogin {
  username: string
  password: string
  /** Tenants' credentials are SCRAM-SHA-512 (the default); the stack's admin says its own. */
  mechanism?: string
  /** Another broker than the stack's. */
  bootstrap?: string
}

/** Runs the stack's kcat (with a librdkafka that can do SCRAM with Kafka 4) as `user`. */
export function kcat(user: KcatLogin, args: string[], input = ''): Promise<KcatResult> {
  const env = readStackEnv()
  const mechanism = user.mechanism ?? tenantMechanism
  return runKcat(
    [
      ...['-b', user.bootstrap ?? env.kafka.bootstrapServers],
      ...['-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mechanism}`],
      ...['-X', `sasl.username=${user.username}`, '-X', `sasl.password=${user.password}`],
      ...args,
    ],
    input,
  )
}

/** The stack's Kafka admin, with the mechanism the stack gave it, for `kcat`. */
export function stackAdmin(): KcatLogin {
  const { kafka } = readStackEnv()
  return { ...kafka.admin, mechanism: kafka.saslMechanism }
}

/** Runs kcat with a librdkafka properties file holding exactly `properties` (`kcat -F`). */
export async function kcatWithProperties(
  properties: string,
  args: string[],
  input = '',
): Promise<KcatResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fjord-kcat-'))
  const file = join(dir, 'client.properties')
  writeFileSync(file, properties, { mode: 0o600 })
  try {
    const result = await runKcat(['-F', file, ...args], input)
    // -F makes kcat say where it read its configuration; that line is no error.
    return {
      ...result,
      stderr: result.stderr.replace(/^% Reading configuration from file .*\n/, ''),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function runKcat(args: string[], input: string): Promise<KcatResult> {
  return new Promise((resolve) => {
    const child = execFile(
      readStackEnv().kcat.bin,
      args,
      { timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
    )
    // kcat may exit before it reads its input (a refused login): its exit code says so, and
    // the broken pipe is no error of the test's.
    child.stdin?.on('error', () => {})
    child.stdin?.end(input)
  })
}

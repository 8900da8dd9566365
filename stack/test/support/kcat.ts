import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readStackEnv } from '../../src/env.ts'

export interface KcatResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the stack's kcat (with a librdkafka that can do SCRAM with Kafka 4) as `user`. */
export function kcat(
  user: { username: string; password: string },
  args: string[],
  input = '',
): Promise<KcatResult> {
  const env = readStackEnv()
  return runKcat(
    [
      ...['-b', env.kafka.bootstrapServers],
      ...['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-512'],
      ...['-X', `sasl.username=${user.username}`, '-X', `sasl.password=${user.password}`],
      ...args,
    ],
    input,
  )
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
    child.stdin?.end(input)
  })
}

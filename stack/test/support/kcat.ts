import { execFile } from 'node:child_process'
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
  return new Promise((resolve) => {
    const child = execFile(
      env.kcat.bin,
      [
        ...['-b', env.kafka.bootstrapServers],
        ...['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-512'],
        ...['-X', `sasl.username=${user.username}`, '-X', `sasl.password=${user.password}`],
        ...args,
      ],
      { timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
    )
    child.stdin?.end(input)
  })
}

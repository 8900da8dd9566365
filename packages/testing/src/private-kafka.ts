import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '@fjord/stack/config'
import { portInUse } from '@fjord/stack/proc'
import {
  kafkaAdminMechanism,
  kafkaAdminUser,
  kafka as kafkaService,
} from '@fjord/stack/services/kafka'

/**
 * Two free loopback ports, for a broker of a test's own. Below Linux's ephemeral range
 * (32768 and up): there, any outgoing connection may take a port between this check and the
 * broker's bind, or while a test has the broker stopped (seen in CI: "Address already in use").
 */
async function freePorts(): Promise<[number, number]> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 12_000)
    if (!(await portInUse(base)) && !(await portInUse(base + 1))) return [base, base + 1]
  }
}

/**
 * A Kafka broker of a test's own, configured as the stack's is, so that stopping it cannot
 * disturb the tests that share the stack's Kafka. `close` stops it and removes its data.
 */
export async function aPrivateKafka() {
  const stackDir = mkdtempSync(join(tmpdir(), 'fjord-kafka-'))
  const [port, controller] = await freePorts()
  const password = randomBytes(12).toString('base64url')
  const config = loadConfig({
    ...process.env,
    FJORD_STACK_DIR: stackDir,
    FJORD_KAFKA_PORT: String(port),
    FJORD_KAFKA_CONTROLLER_PORT: String(controller),
  })
  const broker = kafkaService({
    config,
    secrets: {
      kafkaAdminPassword: password,
      postgresPassword: '',
      kubeAdminToken: '',
      platformToken: '',
      meteringToken: '',
    },
  })
  await broker.install()
  await broker.up()
  return {
    bootstrap: `127.0.0.1:${port}`,
    admin: { username: kafkaAdminUser, password },
    /** The admin's mechanism, as the stack's env says it. */
    mechanism: kafkaAdminMechanism,
    /** The data folder of the stack this broker is, with its server.properties. */
    stackDir,
    up: () => broker.up(),
    down: () => broker.down(),
    /** How many starts found the admin's login refused and set its credential again. */
    adminCredentialResets: () => broker.adminCredentialResets(),
    async close() {
      await broker.down()
      rmSync(stackDir, { recursive: true, force: true })
    },
  }
}

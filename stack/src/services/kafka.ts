import '@fjord/kafka/connection-errors'
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  deleteScramCredential,
  platformMechanism,
  tenantMechanism,
  upsertScramCredential,
} from '@fjord/operator/kafka/scram'
import { Admin, AuthenticationError, Connection } from '@platformatic/kafka'
import { versions } from '../config.ts'
import { Daemon, info, portInUse, run, StackError, step, waitFor } from '../proc.ts'
import type { Context, Service } from './service.ts'

export const kafkaAdminUser = 'fjord-admin'
/**
 * The admin's (and inter-broker) mechanism: never the tenants' one, whose credentials are
 * deleted, so that KAFKA-20774 cannot take the platform's own login with them.
 */
export const kafkaAdminMechanism = platformMechanism
/** The mechanism of tenants' credentials (KafkaUsers), enabled beside the admin's. */
export const kafkaTenantMechanism = tenantMechanism

function serverProperties(ctx: Context, dataDir: string): string {
  const { kafka, kafkaController } = ctx.config.ports
  const password = ctx.secrets.kafkaAdminPassword
  const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required'
  return `# Written by \`stack up\`: one combined KRaft node, SASL/SCRAM, ACLs enforced.
# The admin and inter-broker logins are ${platformMechanism}; tenants' credentials are ${tenantMechanism}:
# a restart can lose every credential of a mechanism that saw a removal (KAFKA-20774).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${kafkaController}
listeners=SASL_PLAINTEXT://127.0.0.1:${kafka},CONTROLLER://127.0.0.1:${kafkaController}
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${kafka}
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=${platformMechanism},${tenantMechanism}
sasl.mechanism.inter.broker.protocol=${platformMechanism}
listener.name.sasl_plaintext.${platformMechanism.toLowerCase()}.sasl.jaas.config=${jaas} username="${kafkaAdminUser}" password="${password}";
listener.name.sasl_plaintext.${tenantMechanism.toLowerCase()}.sasl.jaas.config=${jaas};
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
# ANONYMOUS is the principal of the PLAINTEXT controller listener.
super.users=User:${kafkaAdminUser};User:ANONYMOUS
allow.everyone.if.no.acl.found=false
log.dirs=${dataDir}
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
`
}

const log4j = `# Written by \`stack up\`.
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
`

/** A connection failure that is Kafka refusing the login, not Kafka not answering yet. */
function refusedLogin(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof AuthenticationError) return true
  }
  return false
}

export function kafka(ctx: Context): Service & {
  /** How many starts found the admin's login refused and set its credential again. */
  adminCredentialResets(): number
} {
  const libs = join(ctx.config.cacheDir, `kafka-${versions.kafka}`, 'libs')
  const dir = join(ctx.config.stackDir, 'kafka')
  const dataDir = join(dir, 'data')
  const propsFile = join(dir, 'server.properties')
  const log4jFile = join(dir, 'log4j2.properties')
  const daemon = new Daemon(ctx.config.stackDir, 'kafka')
  const { kafka: port, kafkaController } = ctx.config.ports
  const password = ctx.secrets.kafkaAdminPassword
  const sasl = { mechanism: kafkaAdminMechanism, username: kafkaAdminUser, password }
  let resets = 0

  const java = (mainClass: string, args: string[], heap = '-Xmx256m') => [
    heap,
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp',
    join(libs, '*'),
    mainClass,
    ...args,
  ]

  async function answers(): Promise<boolean> {
    const admin = new Admin({
      clientId: 'fjord-stack',
      bootstrapBrokers: [`127.0.0.1:${port}`],
      sasl,
      retries: 0,
      connectTimeout: 2000,
    })
    try {
      await admin.listTopics()
      return true
    } finally {
      await admin.close()
    }
  }

  /** Whether Kafka takes the admin's login; throws while it does not answer yet. */
  async function adminLogsIn(): Promise<boolean> {
    const connection = new Connection('fjord-stack', { sasl, connectTimeout: 2000 })
    try {
      await connection.connect('127.0.0.1', port)
      return true
    } catch (error) {
      if (refusedLogin(error)) return false
      throw error
    } finally {
      await connection.close()
    }
  }

  /**
   * Gives the admin its SCRAM-SHA-256 credential with the stack's password through the
   * controller listener, which needs no login, and removes its SCRAM-SHA-512 one (the
   * tenants' mechanism). Kept for a stack formatted before the admin left SCRAM-SHA-512,
   * whose admin has no SCRAM-SHA-256 credential yet, and for an admin password changed
   * behind the stack's back. It runs only when Kafka refuses the admin's login: on its own
   * mechanism the admin never loses it to KAFKA-20774, and setting it on every start would
   * hide it if it did.
   */
  async function setAdminCredential(): Promise<void> {
    const connection = new Connection('fjord-stack', { connectTimeout: 2000 })
    try {
      await connection.connect('127.0.0.1', kafkaController)
      await upsertScramCredential(connection, kafkaAdminMechanism, kafkaAdminUser, password)
      await deleteScramCredential(connection, tenantMechanism, kafkaAdminUser)
    } finally {
      await connection.close()
    }
    resets += 1
    info(`Kafka refused the admin's login: set its ${kafkaAdminMechanism} credential again`)
  }

  async function format(): Promise<void> {
    // The tool's own log lines come first on stdout; the id is the last line.
    const output = await run('java', java('kafka.tools.StorageTool', ['random-uuid']))
    const clusterId = output.trim().split('\n').at(-1) ?? ''
    await run(
      'java',
      java('kafka.tools.StorageTool', [
        'format',
        '--cluster-id',
        clusterId,
        '--config',
        propsFile,
        '--add-scram',
        `${kafkaAdminMechanism}=[name=${kafkaAdminUser},password=${password}]`,
      ]),
      { logFile: join(dir, 'format.log') },
    )
  }

  return {
    name: 'kafka',
    async install() {
      if (existsSync(libs)) return
      await step(`resolve Apache Kafka ${versions.kafka} jars from Maven Central`, async () => {
        const partial = `${libs}.partial-${process.pid}`
        await run('mvn', [
          '-q',
          '-B',
          '-f',
          join(ctx.config.repoRoot, 'stack', 'kafka', 'pom.xml'),
          `-Dkafka.version=${versions.kafka}`,
          'dependency:copy-dependencies',
          `-DoutputDirectory=${partial}`,
          '-DincludeScope=runtime',
        ])
        mkdirSync(join(libs, '..'), { recursive: true })
        renameSync(partial, libs)
      })
    },
    async up() {
      if (daemon.pid() !== undefined) {
        info(`kafka already running on 127.0.0.1:${port}`)
        return
      }
      for (const p of [port, kafkaController]) {
        if (await portInUse(p)) {
          throw new StackError(
            `port ${p} is taken by another program; set FJORD_KAFKA_PORT / FJORD_KAFKA_CONTROLLER_PORT`,
          )
        }
      }
      mkdirSync(dir, { recursive: true })
      writeFileSync(propsFile, serverProperties(ctx, dataDir), { mode: 0o600 })
      writeFileSync(log4jFile, log4j)
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        rmSync(dataDir, { recursive: true, force: true })
        await format()
      }
      daemon.start('java', java('kafka.Kafka', [propsFile], '-Xmx768m'))
      let set = false
      await waitFor(
        `kafka (admin ${kafkaAdminMechanism} login)`,
        async () => {
          daemon.alive()
          if (await adminLogsIn()) return true
          if (!set) await setAdminCredential()
          set = true
          return false
        },
        { timeoutMs: 90_000, intervalMs: 500, logFile: daemon.logFile },
      )
      await waitFor('kafka (SCRAM login + list topics)', () => daemon.alive() && answers(), {
        timeoutMs: 90_000,
        intervalMs: 500,
        logFile: daemon.logFile,
      })
    },
    async down() {
      await daemon.stop()
    },
    async status() {
      const pid = daemon.pid()
      if (pid === undefined) return 'stopped'
      const ok = await answers().catch(() => false)
      return `${ok ? 'running' : 'not answering'} (pid ${pid}) on 127.0.0.1:${port}, SASL_PLAINTEXT, admin on ${kafkaAdminMechanism}, tenants on ${tenantMechanism}`
    },
    logFiles: () => [daemon.logFile],
    adminCredentialResets: () => resets,
  }
}

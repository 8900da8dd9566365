import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Admin, Connection } from '@platformatic/kafka'
import { upsertScramSha512 } from '../../../operator/src/kafka/scram.ts'
import { versions } from '../config.ts'
import { Daemon, info, portInUse, run, StackError, step, waitFor } from '../proc.ts'
import type { Context, Service } from './service.ts'

export const kafkaAdminUser = 'fjord-admin'

function serverProperties(ctx: Context, dataDir: string): string {
  const { kafka, kafkaController } = ctx.config.ports
  const password = ctx.secrets.kafkaAdminPassword
  return `# Written by \`stack up\`: one combined KRaft node, SASL/SCRAM-SHA-512, ACLs enforced.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${kafkaController}
listeners=SASL_PLAINTEXT://127.0.0.1:${kafka},CONTROLLER://127.0.0.1:${kafkaController}
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${kafka}
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${kafkaAdminUser}" password="${password}";
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

export function kafka(ctx: Context): Service {
  const libs = join(ctx.config.cacheDir, `kafka-${versions.kafka}`, 'libs')
  const dir = join(ctx.config.stackDir, 'kafka')
  const dataDir = join(dir, 'data')
  const propsFile = join(dir, 'server.properties')
  const log4jFile = join(dir, 'log4j2.properties')
  const daemon = new Daemon(ctx.config.stackDir, 'kafka')
  const { kafka: port, kafkaController } = ctx.config.ports

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
      sasl: {
        mechanism: 'SCRAM-SHA-512',
        username: kafkaAdminUser,
        password: ctx.secrets.kafkaAdminPassword,
      },
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

  /**
   * Sets the admin's SCRAM credential to the stack's password through the controller listener,
   * which needs no login. Kafka 4.1.1 has come back from a restart refusing the admin's login
   * with its credential intact in the metadata log (after users were created and deleted;
   * setting it again through the controller cured it), so every start sets it: the password in
   * secrets.json is always the one that works.
   */
  async function setAdminCredential(): Promise<boolean> {
    const connection = new Connection('fjord-stack', { connectTimeout: 2000 })
    try {
      await connection.connect('127.0.0.1', kafkaController)
      await upsertScramSha512(connection, kafkaAdminUser, ctx.secrets.kafkaAdminPassword)
      return true
    } finally {
      await connection.close()
    }
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
        `SCRAM-SHA-512=[name=${kafkaAdminUser},password=${ctx.secrets.kafkaAdminPassword}]`,
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
      await waitFor(
        'kafka controller (admin credential)',
        () => daemon.alive() && setAdminCredential(),
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
      return `${ok ? 'running' : 'not answering'} (pid ${pid}) on 127.0.0.1:${port}, SASL_PLAINTEXT SCRAM-SHA-512`
    },
    logFiles: () => [daemon.logFile],
  }
}

import type { components } from '@fjord/client/schema'
import { type Command, Option } from 'commander'
import { credentialKey, type StoredCredential } from '../config.ts'
import type { Act, Context } from '../context.ts'
import { CliError, usageError } from '../errors.ts'
import { type OutputFlags, withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import { connectionShape, credentialShape, issuedCredentialShape } from '../shapes/access.ts'
import { clusterFlag, orgFlag } from './flags.ts'
import { type ServiceAccountPath, serviceAccountPath } from './lookups.ts'

type Issued = components['schemas']['IssuedCredential']

export const configFormats = ['kcat', 'java', 'node', 'env'] as const
export type ConfigFormat = (typeof configFormats)[number]

/** The client configuration of an issued credential, ready to save as a file. */
export function clientConfigAs(format: ConfigFormat, issued: Issued): string {
  switch (format) {
    case 'kcat':
      return issued.clientConfig.kcat
    case 'java':
      return issued.clientConfig.javaProperties
    case 'node':
      return `${JSON.stringify(issued.clientConfig.node, null, 2)}\n`
    case 'env':
      return envLines(issued.connection)
  }
}

/**
 * `KAFKA_…=value` lines a shell can source (`set -a; . ./shop.env`) and `docker --env-file`
 * can read: values are quoted only when they must be, since docker keeps quotes as they are.
 */
function envLines(connection: Issued['connection']): string {
  const variables = {
    KAFKA_BOOTSTRAP_SERVERS: connection.bootstrapServers ?? '',
    KAFKA_SECURITY_PROTOCOL: connection.securityProtocol,
    KAFKA_SASL_MECHANISM: connection.saslMechanism,
    KAFKA_SASL_USERNAME: connection.username,
    KAFKA_SASL_PASSWORD: connection.password,
    KAFKA_TOPIC_PREFIX: connection.topicPrefix,
  }
  return Object.entries(variables)
    .map(([name, value]) => `${name}=${shellWord(value)}`)
    .join('\n')
    .concat('\n')
}

function shellWord(value: string): string {
  if (/^[\w.,:/@%+=-]*$/.test(value)) return value
  return `'${value.replaceAll("'", `'\\''`)}'`
}

/** What a profile keeps of an issued credential, for produce and consume to log in with. */
export function storedCredential(issued: Issued): StoredCredential {
  const { bootstrapServers, securityProtocol, saslMechanism, username, password, topicPrefix } =
    issued.connection
  return {
    id: issued.id,
    bootstrapServers,
    securityProtocol,
    saslMechanism,
    username,
    password,
    topicPrefix,
  }
}

export function registerCredentials(accounts: Command, act: Act): void {
  const credentials = accounts
    .command('credentials')
    .description('The SCRAM login of a service account: issue, list, revoke')

  withOutputFlags(
    credentials
      .command('create')
      .description(
        'Issue a new password (replacing the previous one): shown once, saved in the profile',
      )
      .argument('<service-account>', 'the service account')
      .addOption(
        new Option('--format <format>', 'print a ready client config instead').choices(
          configFormats,
        ),
      )
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        [
          '',
          'The password is shown once. fjord keeps it in the profile (mode 0600), so that',
          '`fjord topics produce|consume --service-account <name>` logs in with it.',
          '',
          '--format kcat   librdkafka properties: kcat -F <file>',
          '--format java   Java client properties, also for the Kafka CLI (--command-config)',
          '--format node   the options of a @platformatic/kafka client, as JSON',
          '--format env    KAFKA_BOOTSTRAP_SERVERS=… lines: set -a; . ./<file>; set +a',
          '-o json         the whole answer of the API',
          '',
          'Examples:',
          '  $ fjord service-accounts credentials create shop',
          '  $ fjord service-accounts credentials create shop --format kcat > shop.properties',
          '  $ fjord service-accounts credentials create shop --format env > shop.env',
          '  $ fjord service-accounts credentials create shop -o json | jq .connection',
        ].join('\n'),
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<OutputFlags & { format?: ConfigFormat }>()
      if (flags.format && (flags.output || flags.json !== undefined)) {
        throw usageError('--format and -o/--json do not go together', 'pick one')
      }
      const path = serviceAccountPath(ctx, name)
      const issued = await ctx.call(
        ctx
          .client()
          .POST('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials', {
            params: { path },
          }),
      )
      const key = credentialKey(path.org, path.cluster, name)
      await ctx.updateProfile((profile) => ({
        ...profile,
        credentials: { ...profile.credentials, [key]: storedCredential(issued) },
      }))
      ctx.output.success(
        `Issued a password for ${issued.username}, saved in profile ${ctx.settings.profileName}; it is shown only now`,
      )
      if (!issued.connection.bootstrapServers) {
        ctx.output.warn(`cluster ${path.cluster} is not Ready yet: it has no bootstrap servers`)
      }
      if (!issued.loginReady) {
        ctx.output.warn('Kafka does not take it yet (the service account is being provisioned)')
      }
      if (flags.format) ctx.output.write(clientConfigAs(flags.format, issued))
      else if (flags.output || flags.json !== undefined || !ctx.terminal.stdout.isTTY) {
        ctx.output.one(issuedCredentialShape, issued, flags)
      } else {
        ctx.output.one(connectionShape, issued, { output: 'table' })
      }
    }),
  )

  withOutputFlags(
    credentials
      .command('list')
      .description('Show the credential of a service account (never its password)')
      .argument('<service-account>', 'the service account')
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nsaved says whether this profile keeps its password.\n\nExamples:\n  $ fjord service-accounts credentials list shop',
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const path = serviceAccountPath(ctx, name)
      const saved = savedCredential(ctx, path)
      const items = await listCredentials(ctx, path)
      const rows = items.map((item) => ({ ...item, saved: saved?.id === item.id }))
      ctx.output.list(credentialShape, rows, command.opts())
    }),
  )

  credentials
    .command('delete')
    .description('Revoke the credential of a service account: its login stops working')
    .argument('<service-account>', 'the service account')
    .argument('[id]', 'the credential (default: the one the service account has)')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show what would be revoked, and revoke nothing')
    .addOption(clusterFlag())
    .addOption(orgFlag())
    .addHelpText(
      'after',
      '\nThe profile forgets its saved password too.\n\nExamples:\n  $ fjord service-accounts credentials delete shop --dry-run\n  $ fjord service-accounts credentials delete shop --yes',
    )
    .action(
      act(async (ctx, command) => {
        const [name, id] = command.processedArgs as [string, string | undefined]
        const flags = command.opts<{ yes?: boolean; dryRun?: boolean }>()
        const path = serviceAccountPath(ctx, name)
        const credential = pick(await listCredentials(ctx, path), name, id)
        const what = `the credential ${credential.id} of ${credential.username} (issued ${credential.createdAt})`
        ctx.output.info(`${flags.dryRun ? 'Would revoke' : 'Revokes'} ${what}`)
        if (flags.dryRun) return
        await confirmOrRefuse(ctx.terminal, `Revoke ${what}?`, flags.yes)
        await ctx.call(
          ctx
            .client()
            .DELETE(
              '/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials/{credential}',
              { params: { path: { ...path, credential: credential.id } } },
            ),
        )
        await forgetCredential(ctx, path, credential.id)
        ctx.output.success(`Revoked the credential of ${credential.username}`)
      }),
    )
}

async function listCredentials(ctx: Context, path: ServiceAccountPath) {
  const { items } = await ctx.call(
    ctx
      .client()
      .GET('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials', {
        params: { path },
      }),
  )
  return items
}

function pick<T extends { id: string }>(items: T[], name: string, id: string | undefined): T {
  const found = id === undefined && items.length === 1 ? items[0] : items.find((c) => c.id === id)
  if (found) return found
  if (items.length === 0) {
    throw new CliError(`service account ${name} has no credential`, {
      suggestion: `issue one with \`fjord service-accounts credentials create ${name}\``,
    })
  }
  if (id === undefined) {
    throw usageError(
      `service account ${name} has ${items.length} credentials: ${items.map((c) => c.id).join(', ')}`,
      'name the one to revoke',
    )
  }
  throw new CliError(`service account ${name} has no credential ${id}`, {
    suggestion: `see \`fjord service-accounts credentials list ${name}\``,
  })
}

function savedCredential(ctx: Context, path: ServiceAccountPath): StoredCredential | undefined {
  const key = credentialKey(path.org, path.cluster, path.serviceAccount)
  return ctx.profiles().profiles[ctx.settings.profileName]?.credentials?.[key]
}

/** Drops the profile's saved login of a service account (only credential `id`'s, if given). */
export async function forgetCredential(
  ctx: Context,
  path: ServiceAccountPath,
  id?: string,
): Promise<void> {
  const saved = savedCredential(ctx, path)
  if (!saved || (id !== undefined && saved.id !== id)) return
  const key = credentialKey(path.org, path.cluster, path.serviceAccount)
  await ctx.updateProfile(({ credentials, ...profile }) => {
    const { [key]: _gone, ...rest } = credentials ?? {}
    return { ...profile, credentials: rest }
  })
  ctx.output.info(`Forgot the saved password of ${path.serviceAccount}`)
}

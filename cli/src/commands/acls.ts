import { type Command, InvalidArgumentError } from 'commander'
import type { Act, Context } from '../context.ts'
import { usageError } from '../errors.ts'
import { withOutputFlags } from '../output.ts'
import { confirmOrRefuse } from '../prompts.ts'
import { type Acl, aclShape, describeAcl, serviceAccountShape } from '../shapes/access.ts'
import { clusterFlag, orgFlag } from './flags.ts'
import { changeServiceAccount, getServiceAccount } from './lookups.ts'

type Operation = Acl['operations'][number]
/** What an ACL is on: a literal name or a prefix of a resource type. */
type Target = Pick<Acl, 'resourceType' | 'patternType' | 'name'>

/** The operations Kafka's authorizer knows, in the order fjord writes them. */
export const aclOperations = [
  'all',
  'read',
  'write',
  'create',
  'delete',
  'alter',
  'describe',
  'describeConfigs',
  'alterConfigs',
] as const satisfies readonly Operation[]

const resourceTypes: Record<string, Acl['resourceType']> = {
  topic: 'topic',
  group: 'group',
  'transactional-id': 'transactionalId',
  transactionalid: 'transactionalId',
}

export const aclNotationHelp = [
  'An ACL is <type>:<name>:<operations>: the type topic, group or transactional-id; a name',
  "ending in * is a prefix ('group:shop-*', quoted for the shell); operations, comma-separated,",
  `of ${aclOperations.join(', ')}.`,
].join('\n')

/** `read,write` (any case, `describe-configs` too) as the API's operation names. */
export function parseOperations(text: string): Operation[] {
  const wanted = text
    .split(',')
    .map((word) => word.trim())
    .filter(Boolean)
  if (wanted.length === 0) throw new InvalidArgumentError('expected operations, e.g. read,write')
  const known = new Map(aclOperations.map((op) => [op.toLowerCase(), op]))
  const operations = wanted.map((word) => {
    const operation = known.get(word.replace(/[-_]/g, '').toLowerCase())
    if (!operation) {
      throw new InvalidArgumentError(`unknown operation "${word}"; use ${aclOperations.join(', ')}`)
    }
    return operation
  })
  return inKafkaOrder(operations)
}

/** An ACL in fjord's notation (`topic:orders:read,write`, `group:shop-*:read`). */
export function parseAcl(text: string): Acl {
  const [type = '', name = '', operations, ...rest] = text.split(':')
  const resourceType = resourceTypes[type.toLowerCase()]
  if (!resourceType || !name || operations === undefined || rest.length > 0) {
    throw new InvalidArgumentError(
      `expected <type>:<name>:<operations>, e.g. topic:orders:read,write; got "${text}"`,
    )
  }
  const prefixed = name.endsWith('*')
  return {
    resourceType,
    patternType: prefixed ? 'prefixed' : 'literal',
    name: prefixed ? name.slice(0, -1) : name,
    operations: parseOperations(operations),
  }
}

export function collectAcl(text: string, acls: Acl[] = []): Acl[] {
  return [...acls, parseAcl(text)]
}

/** The ACLs with `acl`'s operations allowed too; undefined when they already are. */
export function withAcl(acls: readonly Acl[], acl: Acl): Acl[] | undefined {
  const index = acls.findIndex((existing) => sameTarget(existing, acl))
  const existing = acls[index]
  if (!existing) return [...acls, acl]
  const missing = acl.operations.filter((op) => !existing.operations.includes(op))
  if (missing.length === 0) return undefined
  const merged = { ...existing, operations: inKafkaOrder([...existing.operations, ...missing]) }
  return acls.map((other, i) => (i === index ? merged : other))
}

/**
 * The ACLs without these operations on `target` (without any, when none are named);
 * undefined when none of them is allowed.
 */
export function withoutAcl(
  acls: readonly Acl[],
  target: Target,
  operations?: readonly Operation[],
): Acl[] | undefined {
  const existing = acls.find((acl) => sameTarget(acl, target))
  if (!existing) return undefined
  const kept = operations ? existing.operations.filter((op) => !operations.includes(op)) : []
  if (kept.length === existing.operations.length) return undefined
  return acls.flatMap((acl) => {
    if (acl !== existing) return [acl]
    return kept.length > 0 ? [{ ...acl, operations: kept }] : []
  })
}

function sameTarget(one: Target, other: Target): boolean {
  return (
    one.resourceType === other.resourceType &&
    (one.patternType ?? 'literal') === (other.patternType ?? 'literal') &&
    one.name === other.name
  )
}

function inKafkaOrder(operations: readonly Operation[]): Operation[] {
  return aclOperations.filter((op) => operations.includes(op))
}

interface TargetFlags {
  topic?: string
  group?: string
  transactionalId?: string
  prefixed?: boolean
  operation?: Operation[]
}

export function registerAcls(accounts: Command, act: Act): void {
  const acl = accounts
    .command('acl')
    .description('ACLs of a service account: what it may do to which topics, groups, ids')

  withOutputFlags(
    acl
      .command('list')
      .description('List the ACLs of a service account')
      .argument('<service-account>', 'the service account')
      .addOption(clusterFlag())
      .addOption(orgFlag())
      .addHelpText(
        'after',
        '\nExamples:\n  $ fjord service-accounts acl list shop\n  $ fjord service-accounts acl list shop -o yaml',
      ),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const account = await getServiceAccount(ctx, name)
      ctx.output.list(aclShape, account.acls, command.opts())
    }),
  )

  withOutputFlags(
    targetOptions(
      acl
        .command('add')
        .description('Allow a service account operations on a topic, group or transactional id')
        .argument('<service-account>', 'the service account'),
    )
      .addHelpText(
        'after',
        [
          '',
          'Operations already allowed on the same name are kept; a change made meanwhile is too.',
          '',
          'Examples:',
          '  $ fjord service-accounts acl add shop --topic orders --operation read,write',
          '  $ fjord service-accounts acl add shop --group shop- --prefixed --operation read',
          '  $ fjord service-accounts acl add shop --transactional-id shop-tx --operation write,describe',
        ].join('\n'),
      )
      .addOption(clusterFlag())
      .addOption(orgFlag()),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<TargetFlags>()
      if (!flags.operation) {
        throw usageError('--operation is required', 'e.g. --operation read,write')
      }
      const added: Acl = { ...targetFrom(flags), operations: flags.operation }
      const { result, changed } = await editAcls(ctx, name, (acls) => withAcl(acls, added))
      if (changed) ctx.output.success(`Allowed ${name}: ${describeAcl(added)}`)
      else ctx.output.info(`${name} already has ${describeAcl(added)}; nothing changed`)
      ctx.output.one(serviceAccountShape, result, command.opts())
    }),
  )

  withOutputFlags(
    targetOptions(
      acl
        .command('remove')
        .description('Take operations on a topic, group or transactional id away again')
        .argument('<service-account>', 'the service account'),
    )
      .option('-y, --yes', 'do not ask')
      .option('--dry-run', 'show what would be removed, and remove nothing')
      .addHelpText(
        'after',
        [
          '',
          'Without --operation, every operation on that name goes.',
          '',
          'Examples:',
          '  $ fjord service-accounts acl remove shop --topic orders --operation write',
          '  $ fjord service-accounts acl remove shop --group shop- --prefixed --yes',
        ].join('\n'),
      )
      .addOption(clusterFlag())
      .addOption(orgFlag()),
  ).action(
    act(async (ctx, command) => {
      const [name] = command.processedArgs as [string]
      const flags = command.opts<TargetFlags & { yes?: boolean; dryRun?: boolean }>()
      const target = targetFrom(flags)
      const remove = (acls: readonly Acl[]) => withoutAcl(acls, target, flags.operation)
      const account = await getServiceAccount(ctx, name)
      const gone = removedBy(account.acls, remove(account.acls))
      if (gone.length === 0) {
        ctx.output.info(`${name} has no such ACL; nothing changed`)
        ctx.output.one(serviceAccountShape, account, command.opts())
        return
      }
      const what = `from ${name}: ${gone.join(' ')}`
      ctx.output.info(`${flags.dryRun ? 'Would remove' : 'Removes'} ${what}`)
      if (flags.dryRun) return
      await confirmOrRefuse(ctx.terminal, `Remove ${what}?`, flags.yes)
      const { result } = await editAcls(ctx, name, remove)
      ctx.output.success(`Removed ${what}`)
      ctx.output.one(serviceAccountShape, result, command.opts())
    }),
  )
}

function targetOptions(command: Command): Command {
  return command
    .option('--topic <name>', 'a topic, by its short name')
    .option('--group <name>', 'a consumer group')
    .option('--transactional-id <id>', 'a transactional id')
    .option('--prefixed', 'the name is a prefix: every name starting with it')
    .option('--operation <operations>', 'comma-separated: read,write,describe,…', parseOperations)
}

function targetFrom(flags: TargetFlags): Target {
  const given = [
    { resourceType: 'topic', name: flags.topic },
    { resourceType: 'group', name: flags.group },
    { resourceType: 'transactionalId', name: flags.transactionalId },
  ] as const
  const named = given.filter((target) => target.name !== undefined)
  const [only] = named
  if (named.length !== 1 || !only?.name) {
    throw usageError(
      'name exactly one of --topic, --group and --transactional-id',
      'e.g. --topic orders',
    )
  }
  return {
    resourceType: only.resourceType,
    patternType: flags.prefixed ? 'prefixed' : 'literal',
    name: only.name,
  }
}

/** What `after` no longer allows of `before`, in fjord's notation. */
function removedBy(before: readonly Acl[], after: readonly Acl[] | undefined): string[] {
  if (!after) return []
  return before.flatMap((acl) => {
    const kept = after.find((other) => sameTarget(other, acl))
    const gone = acl.operations.filter((op) => !kept?.operations.includes(op))
    return gone.length > 0 ? [describeAcl({ ...acl, operations: gone })] : []
  })
}

/** Changes the ACL list of a service account. */
function editAcls(ctx: Context, name: string, change: (acls: readonly Acl[]) => Acl[] | undefined) {
  return changeServiceAccount(ctx, name, (account) => {
    const acls = change(account.acls)
    return acls && { acls }
  })
}

import type { Readable } from 'node:stream'
import { type Command, InvalidArgumentError, Option } from 'commander'
import type { Act, Context } from '../context.ts'
import { usageError } from '../errors.ts'
import { type OffsetRange, offsetGrammar, parseOffset } from '../kafka/offsets.ts'
import type { RecordFormat } from '../kafka/print.ts'
import { type Header, type InputFormat, inputFormats, parseHeader } from '../kafka/records.ts'
import { clusterFlag, orgFlag, positiveInteger } from './flags.ts'

// Only what parsing and help need is imported at the top: the actions import the rest, and
// the Kafka client (half a second) through ../kafka/produce.ts and consume.ts, so that
// `fjord --version` and every other command start without them.

/** produce, consume and tail under `fjord topics`. */
export function registerMessages(topics: Command, act: Act): void {
  registerProduce(topics, act)
  registerConsume(topics, act)
  registerTail(topics, act)
}

const serviceAccountFlag = () =>
  new Option(
    '--service-account <name>',
    'log in to Kafka as this service account (default: FJORD_SERVICE_ACCOUNT, then the only one with a stored credential)',
  )

const credentialHelp = [
  'fjord logs in to Kafka with a credential of a service account that',
  '`fjord service-accounts credentials create <name>` stored in the profile.',
]

function registerProduce(topics: Command, act: Act): void {
  topics
    .command('produce')
    .description('Write records to a topic, one per line of stdin or a file')
    .argument('<topic>', 'the topic, e.g. orders')
    .option('-k, --key <key>', 'the key of every record (with --format value)')
    .option('-H, --header <key=value>', 'a header on every record, repeatable', collectHeader)
    .option(
      '-p, --partition <n>',
      'write to this partition (default: by key, else round robin)',
      partitionNumber,
    )
    .addOption(
      new Option('-f, --format <format>', 'what a line holds (see below)')
        .choices(inputFormats)
        .default('value'),
    )
    .option('--file <path>', 'read the records from this file instead of stdin')
    .addOption(
      new Option(
        '-o, --output <format>',
        'print where each record went (default: text when typing at a terminal, else nothing)',
      ).choices(['text', 'json']),
    )
    .addOption(serviceAccountFlag())
    .addOption(clusterFlag())
    .addOption(orgFlag())
    .addHelpText(
      'after',
      [
        '',
        'Each line of the input is a record; empty lines are skipped. --format:',
        '  value       the line is the value (the default)',
        '  key-value   the key, a tab, then the value',
        '  json        {"key": …, "value": …, "headers": [{"key": …, "value": …}]} as consume',
        '              prints it; bytes that are not UTF-8 as {"base64": "…"}, null for none',
        'Records with a key go to the partition Java and rpk clients pick for it (murmur2).',
        'The last line on stderr says how many records were written and where;',
        '-o json prints {"topic","partition","offset"} for each record.',
        '',
        ...credentialHelp,
        '',
        'Examples:',
        '  $ echo \'{"id":1}\' | fjord topics produce orders --key order-1 -H source=web',
        '  $ fjord topics produce orders --file orders.jsonl',
        "  $ printf 'order-1\\tshipped\\n' | fjord topics produce orders -f key-value",
        '  $ fjord topics consume orders -o start:end | fjord topics produce orders-copy -f json',
        '  $ fjord topics produce orders                # type records, Ctrl-D to end',
      ].join('\n'),
    )
    .action(
      act(async (ctx, command) => {
        const [topic] = command.processedArgs as [string]
        const flags = command.opts<ProduceFlags>()
        if (flags.key !== undefined && flags.format !== 'value') {
          throw usageError(`--key goes with --format value; with ${flags.format}, lines hold keys`)
        }
        await produceRecords(ctx, topic, flags)
      }),
    )
}

interface ProduceFlags {
  key?: string
  header?: Header[]
  partition?: number
  format: InputFormat
  file?: string
  output?: 'text' | 'json'
  serviceAccount?: string
}

async function openFile(path: string): Promise<Readable> {
  const { createReadStream } = await import('node:fs')
  const file = createReadStream(path)
  await new Promise((resolve, reject) => file.once('open', resolve).once('error', reject)).catch(
    (error: NodeJS.ErrnoException) => {
      throw usageError(`cannot read ${path}: ${error.code ?? error.message}`)
    },
  )
  return file
}

async function produceRecords(ctx: Context, topic: string, flags: ProduceFlags) {
  const [{ kafkaLogin }, { produce }, { readRecords }, { printedWrite, Written }] =
    await Promise.all([
      import('../kafka/login.ts'),
      import('../kafka/produce.ts'),
      import('../kafka/input.ts'),
      import('../kafka/print.ts'),
    ])
  const login = await kafkaLogin(ctx, flags.serviceAccount)
  const typing = !flags.file && Boolean((ctx.terminal.stdin as { isTTY?: boolean }).isTTY)
  const output = flags.output ?? (typing ? 'text' : undefined)
  const input = flags.file ? await openFile(flags.file) : ctx.terminal.stdin
  if (typing) ctx.output.info(`Type records for ${topic}, one per line; Ctrl-D ends.`)
  const written = new Written()
  const options = {
    format: flags.format,
    key: flags.key === undefined ? undefined : Buffer.from(flags.key, 'utf8'),
    headers: flags.header ?? [],
  }
  try {
    await whileNotInterrupted((signal) =>
      produce({
        login,
        topic,
        partition: flags.partition,
        records: readRecords(input, options, signal),
        onWritten: (record) => {
          written.add(record)
          if (output) ctx.output.write(printedWrite(ctx.output, record, output))
        },
        random: Math.random,
      }),
    )
  } catch (error) {
    if (written.count > 0) ctx.output.warn(`Wrote ${written.describe(topic)} before that`)
    throw error
  } finally {
    if (input !== ctx.terminal.stdin) input.destroy()
  }
  ctx.output.success(`Wrote ${written.describe(topic)} as ${login.serviceAccount}`)
}

function registerConsume(topics: Command, act: Act): void {
  topics
    .command('consume')
    .description('Read records from topics: one JSON object per line when piped')
    .argument('<topics...>', 'the topics, e.g. orders')
    .option('-o, --offset <offset>', 'where to start, and stop (default: end; see below)', (text) =>
      parseOffset(text, Date.now()),
    )
    .option('--from-beginning', 'from the oldest record kept: -o start')
    .option('-n, --max <n>', 'stop after this many records', positiveInteger)
    .option(
      '-g, --group <group>',
      'read as this consumer group: from where it left off, committing what was read',
    )
    .option('-p, --partition <n>', 'only this partition, repeatable or 0,2', collectPartitions)
    .addOption(formatFlag())
    .addOption(serviceAccountFlag())
    .addOption(clusterFlag())
    .addOption(orgFlag())
    .addHelpText(
      'after',
      [
        '',
        offsetGrammar,
        '',
        'Without a group, consume reads the partitions directly and commits nothing. With',
        '--group, it starts where the group left off; -o start or end says only where a new',
        'group starts, and :end still stops at the end (-o start:end).',
        '',
        formatHelp,
        '',
        ...credentialHelp,
        '',
        'Examples:',
        '  $ fjord topics consume orders --from-beginning',
        '  $ fjord topics consume orders -o -10          # the last 10 of each partition, then on',
        '  $ fjord topics consume orders -o start:end | jq -r .value',
        '  $ fjord topics consume orders -o @-1h:end -f value > last-hour.txt',
        '  $ fjord topics consume orders payments -g billing -n 100',
      ].join('\n'),
    )
    .action(
      act(async (ctx, command) => {
        const names = command.processedArgs[0] as string[]
        const flags = command.opts<ConsumeFlags>()
        if (flags.offset && flags.fromBeginning) {
          throw usageError('--from-beginning is -o start: pass one of them')
        }
        const range: OffsetRange = flags.fromBeginning
          ? { from: { at: 'start', plus: 0n } }
          : (flags.offset ?? { from: { at: 'end', minus: 0n } })
        if (flags.group) checkGroupFlags(range, flags)
        await consumeRecords(ctx, { ...flags, topics: names, range })
      }),
    )
}

interface ConsumeFlags {
  offset?: OffsetRange
  fromBeginning?: boolean
  max?: number
  group?: string
  partition?: number[]
  format?: RecordFormat
  serviceAccount?: string
}

/** A group starts where it left off: -o can only say where a new one starts, and stop at :end. */
function checkGroupFlags(range: OffsetRange, flags: ConsumeFlags): void {
  if (flags.partition) {
    throw usageError('--partition and --group do not go together: the group assigns partitions')
  }
  const { from, until } = range
  const plainFrom =
    (from.at === 'start' && from.plus === 0n) || (from.at === 'end' && from.minus === 0n)
  if (!plainFrom || (until && until.at !== 'end')) {
    throw usageError(
      'with --group, -o is start or end (where a new group starts), with :end to stop there',
      'e.g. -o start:end; to read other offsets, leave out --group',
    )
  }
}

function registerTail(topics: Command, act: Act): void {
  topics
    .command('tail')
    .description('Peek at new records of topics as they come, until Ctrl-C (commits nothing)')
    .argument('<topics...>', 'the topics, e.g. orders')
    .option('-n, --max <n>', 'stop after this many records', positiveInteger)
    .option('-p, --partition <n>', 'only this partition, repeatable or 0,2', collectPartitions)
    .addOption(formatFlag())
    .addOption(serviceAccountFlag())
    .addOption(clusterFlag())
    .addOption(orgFlag())
    .addHelpText(
      'after',
      [
        '',
        'The same as `fjord topics consume <topics> -o end` without a group. To see the last',
        'records first: `fjord topics consume orders -o -10`.',
        '',
        formatHelp,
        '',
        ...credentialHelp,
        '',
        'Examples:',
        '  $ fjord topics tail orders',
        '  $ fjord topics tail orders -n 1 -f value',
      ].join('\n'),
    )
    .action(
      act(async (ctx, command) => {
        const names = command.processedArgs[0] as string[]
        const flags = command.opts<ConsumeFlags>()
        await consumeRecords(ctx, {
          ...flags,
          topics: names,
          range: { from: { at: 'end', minus: 0n } },
        })
      }),
    )
}

const recordFormats = ['text', 'json', 'value'] as const satisfies readonly RecordFormat[]

const formatFlag = () =>
  new Option(
    '-f, --format <format>',
    'text, json or value (default: text on a terminal, json when piped)',
  ).choices(recordFormats)

const formatHelp = [
  'Formats (-f): text, readable, a line of where each record is and its value below; json,',
  'one object per line: {"topic","partition","offset","timestamp","key","value","headers"},',
  'with short topic names, RFC 3339 timestamps, and bytes that are not UTF-8 as',
  '{"base64": "…"}; value, only the values, one per line.',
].join('\n')

async function consumeRecords(
  ctx: Context,
  run: Omit<ConsumeFlags, 'offset' | 'fromBeginning'> & {
    topics: string[]
    range: OffsetRange
  },
) {
  const format = run.format ?? (ctx.terminal.stdout.isTTY ? 'text' : 'json')
  const [{ kafkaLogin }, { consume }, { printedRecord }] = await Promise.all([
    import('../kafka/login.ts'),
    import('../kafka/consume.ts'),
    import('../kafka/print.ts'),
  ])
  const login = await kafkaLogin(ctx, run.serviceAccount)
  const asGroup = run.group ? ` as group ${run.group}` : ''
  ctx.output.info(`Reading ${run.topics.join(', ')}${asGroup}; Ctrl-C stops.`)
  const count = await whileNotInterrupted((signal) =>
    consume({
      login,
      topics: run.topics,
      range: run.range,
      partitions: run.partition,
      group: run.group,
      max: run.max,
      signal,
      onRecord: (record) => ctx.output.write(printedRecord(ctx.output, record, format)),
    }),
  )
  ctx.output.info(`Read ${count} record${count === 1 ? '' : 's'}.`)
}

/**
 * Runs until done or until Ctrl-C/SIGTERM, which aborts the signal so the work ends cleanly
 * (a group leaves and commits what was printed); a second one ends fjord at once.
 */
async function whileNotInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupted = new AbortController()
  const onSignal = () => {
    if (interrupted.signal.aborted) process.exit(130)
    interrupted.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    return await work(interrupted.signal)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

function partitionNumber(text: string): number {
  const number = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(number)) {
    throw new InvalidArgumentError('expected a partition number: 0, 1, …')
  }
  return number
}

function collectPartitions(text: string, partitions: number[] = []): number[] {
  return [
    ...new Set([...partitions, ...text.split(',').map((part) => partitionNumber(part.trim()))]),
  ]
}

function collectHeader(text: string, headers: Header[] = []): Header[] {
  try {
    return [...headers, parseHeader(text)]
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message)
  }
}

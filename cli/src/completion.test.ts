import { Argument, Command, Option } from 'commander'
import { describe, expect, test } from 'vitest'
import { complete, completionLines, shells } from './completion.ts'

/** A small fjord-like tree: global flags, a group with subcommands, choices, a file flag. */
function aProgram(): Command {
  const program = new Command('fjord')
    .version('1.0.0', '-v, --version')
    .option('--profile <name>', 'the profile to use')
    .option('-q, --quiet', 'no status lines')
    .option('--no-color', 'no colours')
  const topics = program.command('topics').description('Topics of a cluster')
  topics
    .command('list')
    .description('List the topics')
    .addOption(new Option('-o, --output <format>', 'table, json or yaml').choices(formats))
    .option('--json [fields]', 'only these fields')
    .option('--cluster <name>', 'the cluster')
    .addOption(new Option('--debug-trace', 'for us').hideHelp())
  topics.command('get').description('Show a topic').argument('<name>', 'the topic')
  program.command('apply').description('Apply a file').option('-f, --file <path>', 'the file')
  program
    .command('completion')
    .description('Print a completion script')
    .addArgument(new Argument('<shell>').choices(shells))
  program.command('secret', { hidden: true })
  return program
}

const formats = ['table', 'json', 'yaml']

/** The values offered for the last word, as a user would see them. */
const offered = (...words: string[]) => complete(aProgram(), words).candidates.map((c) => c.value)

describe('complete', () => {
  test('completes a command from its prefix, with its description', () => {
    expect(complete(aProgram(), ['top'])).toEqual({
      candidates: [{ value: 'topics', description: 'Topics of a cluster' }],
      files: false,
    })
  })

  test('offers the subcommands of a command, commander’s help among them, hidden ones not', () => {
    expect(offered('')).toEqual(['topics', 'apply', 'completion', 'help'])
    expect(offered('topics', '')).toEqual(['list', 'get', 'help'])
  })

  test('offers the choices of a flag’s value, in every way it can be written', () => {
    expect(offered('topics', 'list', '-o', '')).toEqual(formats)
    expect(offered('topics', 'list', '--output', 'j')).toEqual(['json'])
    expect(offered('topics', 'list', '--output=y')).toEqual(['--output=yaml'])
  })

  test('offers the choices of an argument', () => {
    expect(offered('completion', '')).toEqual(['bash', 'zsh', 'fish'])
    expect(offered('completion', 'f')).toEqual(['fish'])
  })

  test('does not take a flag’s value for a command', () => {
    expect(offered('--profile', 'topics', 'to')).toEqual(['topics'])
    expect(offered('topics', 'list', '-o', 'json', '--output=yaml', '')).toContain('--cluster')
    expect(offered('topics', 'list', '-ojson', '')).toContain('--cluster')
  })

  test('takes an optional value only when it is no flag, as commander does', () => {
    expect(offered('topics', 'list', '--json', 'name', '')).toContain('--output')
    expect(offered('topics', 'list', '--json', '-o', '')).toEqual(formats)
  })

  test('offers the flags of a command and then the global ones, each once, hidden ones not', () => {
    expect(offered('topics', 'list', '--')).toEqual([
      '--output',
      '--json',
      '--cluster',
      '--help',
      '--version',
      '--profile',
      '--quiet',
      '--no-color',
    ])
    expect(offered('topics', 'list', '--c')).toEqual(['--cluster'])
  })

  test('offers the flags once nothing else is left to name', () => {
    expect(offered('topics', 'get', 'orders', '')).toContain('--help')
    expect(offered('topics', 'get', '')).toEqual([])
  })

  test('completes file names for a value named file, path or dir', () => {
    expect(complete(aProgram(), ['apply', '-f', ''])).toEqual({ candidates: [], files: true })
    expect(complete(aProgram(), ['--profile', '']).files).toBe(false)
  })

  test('offers nothing past a word that names no command, or after --', () => {
    expect(offered('nope', '')).toEqual([])
    expect(offered('topics', 'get', '--', '-')).toEqual([])
  })

  test('completes the command `help` takes', () => {
    expect(offered('help', 'to')).toEqual(['topics'])
    expect(offered('topics', 'help', '')).toEqual(['list', 'get', 'help'])
  })
})

describe('completionLines', () => {
  test('prints a candidate a line with its description after a tab, then the directive', () => {
    const lines = completionLines({
      candidates: [
        { value: 'topics', description: 'Topics of\n  a cluster' },
        { value: 'json', description: '' },
      ],
      files: false,
    })
    expect(lines).toBe('topics\tTopics of a cluster\njson\n:none\n')
    expect(completionLines({ candidates: [], files: true })).toBe(':files\n')
  })
})

import { readFileSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import type { Command } from 'commander'
import { expect, test } from 'vitest'
import { readEnvironment } from './config.ts'
import { buildProgram } from './program.ts'

// `fjord --help` and every command's help are part of the product: each command says what
// it does, and each one that runs something shows how, with an example of itself.

function commandsOf(command: Command, path: string[] = []): { path: string[]; command: Command }[] {
  return command.commands
    .filter((sub) => !(sub as Command & { _hidden?: boolean })._hidden && sub.name() !== 'help')
    .flatMap((sub) => {
      const subPath = [...path, sub.name()]
      return [{ path: subPath, command: sub }, ...commandsOf(sub, subPath)]
    })
}

function aProgram() {
  const output = new PassThrough()
  const program = buildProgram(readEnvironment({}, '/nonexistent'), {
    stdin: new PassThrough(),
    stdout: output,
    stderr: output,
    interactive: false,
  })
  return { program, output }
}

function helpOf(command: Command, output: PassThrough): string {
  let text = ''
  const read = (chunk: Buffer) => {
    text += chunk.toString()
  }
  output.on('data', read)
  command.outputHelp()
  output.off('data', read)
  return text
}

test('every command has a description, and every runnable one an example of itself', () => {
  const { program, output } = aProgram()
  const commands = commandsOf(program)
  expect(commands.length).toBeGreaterThan(60)
  const lacking = commands.flatMap(({ path, command }) => {
    const name = `fjord ${path.join(' ')}`
    const problems: string[] = []
    if (!command.description()) problems.push(`${name}: no description`)
    const runnable = command.commands.length === 0
    if (runnable && !helpOf(command, output).includes(`$ ${name}`)) {
      problems.push(`${name}: no example of itself`)
    }
    return problems
  })
  expect(lacking).toEqual([])
})

test('docs/cli.md shows every command', () => {
  const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8')
  const missing = commandsOf(aProgram().program)
    .filter(({ command }) => command.commands.length === 0)
    .map(({ path }) => `fjord ${path.join(' ')}`)
    .filter((name) => !docs.includes(name))
  expect(missing).toEqual([])
})

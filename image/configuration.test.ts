import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { envNames as apiEnvNames } from '@fjord/api/config'
import { operatorEnvNames, usage as operatorUsage } from '@fjord/operator/config'
import { describe, expect, test } from 'vitest'
import { entrypointEnvNames, usage as entrypointUsage } from './entrypoint.ts'

// docs/configuration.md is the one place every process setting is documented: each of its
// tables lists exactly what the code reads, so that neither changes without the other.

const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'configuration.md'), 'utf8')

/** The text under a `## heading`, up to the next `## `. */
function section(heading: string): string {
  const [, after] = doc.split(`\n## ${heading}\n`)
  if (after === undefined) throw new Error(`docs/configuration.md has no "## ${heading}"`)
  return after.split('\n## ')[0] ?? ''
}

/** The first cells of the rows of every table in `text` whose first header cell is `header`. */
function firstCells(text: string, header: string): string[] {
  const cells: string[] = []
  let inTable = false
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false
      continue
    }
    const first = line.split('|')[1]?.trim() ?? ''
    if (!inTable) {
      inTable = first === header
      continue
    }
    if (!first.startsWith('---')) cells.push(first)
  }
  return cells
}

const codeOf = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map(([, code]) => code ?? '')
const sorted = (names: Iterable<string>) => [...new Set(names)].sort()
const documentedVariables = (heading: string) =>
  sorted(firstCells(section(heading), 'variable').flatMap(codeOf))

describe('docs/configuration.md', () => {
  test('lists exactly the variables the api reads', () => {
    expect(documentedVariables('api')).toEqual(sorted(Object.values(apiEnvNames)))
  })

  test('lists exactly the variables the operator reads, and its flags', () => {
    expect(documentedVariables('operator')).toEqual(sorted(Object.values(operatorEnvNames)))
    const flags = (text: string) => sorted(text.match(/--[a-z-]+/g) ?? [])
    const options = operatorUsage.split('Options:')[1]?.split('\n\n')[0] ?? ''
    const usageFlags = options.match(/^ {2}(?:-h, )?--[a-z-]+/gm) ?? []
    expect(flags(firstCells(section('operator'), 'flag').join(' '))).toEqual(
      flags(usageFlags.join(' ')),
    )
  })

  test('lists exactly the commands and the variables of the image entrypoint', () => {
    expect(documentedVariables('Image entrypoint')).toEqual(
      sorted(Object.values(entrypointEnvNames)),
    )
    const commands = (cells: string[]) => sorted(cells.map((cell) => cell.split(/\s/)[0] ?? ''))
    const usageCommands = [...entrypointUsage.matchAll(/^ {2}([a-z]+)\b/gm)].map(([, c]) => c ?? '')
    expect(commands(firstCells(section('Image entrypoint'), 'command').flatMap(codeOf))).toEqual(
      sorted(usageCommands),
    )
  })
})

import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

// The completion scripts as a shell loads them: a `fjord` on PATH (the source entry), and the
// real bash, zsh and fish, which the stack installs (stack/src/services/debian.ts).

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
let bin: string
let env: Record<string, string>

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'fjord-completion-'))
  const fjord = join(bin, 'fjord')
  await writeFile(fjord, `#!/bin/sh\nexec '${process.execPath}' '${main}' "$@"\n`)
  await chmod(fjord, 0o755)
  env = { PATH: [bin, dirname(process.execPath), process.env.PATH].join(delimiter), HOME: bin }
})
afterAll(() => rm(bin, { recursive: true, force: true }))

/** Runs `program`; fails with what it printed unless it exits 0. */
function shell(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { env }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout)
      reject(new Error(`${program} ${args.join(' ')} failed\nstdout: ${stdout}\nstderr: ${stderr}`))
    })
  })
}

/** The script of `completion <shell>`, saved where the shell can check it. */
async function savedScript(name: string): Promise<string> {
  const path = join(bin, `completion.${name}`)
  await writeFile(path, await shell('fjord', ['completion', name]))
  return path
}

describe('bash', () => {
  /** Runs the completion function as bash does on TAB after `line` (its words, split). */
  const bash = (...lines: string[]) =>
    shell('bash', [
      '-c',
      [
        'source <(fjord completion bash)',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own expansion
        'tab() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _fjord 2>/dev/null; printf "%s\\n" "${COMPREPLY[*]}"; }',
        ...lines,
      ].join('\n'),
    ])

  test('loads the script, which registers a completion function for fjord', async () => {
    expect(await bash('complete -p fjord')).toBe('complete -F _fjord fjord\n')
  })

  test('completes commands, subcommands and a flag’s choices', async () => {
    const answers = await bash(
      'tab fjord top',
      'tab fjord topics ""',
      'tab fjord topics list -o ""',
      'tab fjord topics list --output = y',
      'tab fjord completion z',
    )
    const [command, subcommands, formats, afterEquals, shells] = answers.split('\n')
    expect(command).toBe('topics')
    expect(subcommands?.split(' ')).toEqual(
      expect.arrayContaining(['create', 'delete', 'get', 'list']),
    )
    expect(formats).toBe('table json yaml')
    // bash replaces only what follows the =
    expect(afterEquals).toBe('yaml')
    expect(shells).toBe('zsh')
  })
})

describe('zsh', () => {
  test('the script is valid zsh and registers _fjord with compinit', async () => {
    await shell('zsh', ['-n', await savedScript('zsh')])
    const registered = await shell('zsh', [
      '-f',
      '-c',
      'autoload -U compinit && compinit -u -D && source <(fjord completion zsh) && print $_comps[fjord]',
    ])
    expect(registered).toBe('_fjord\n')
  })

  test('hands the words to fjord and its answers to _describe', async () => {
    // zsh's completion system needs a terminal; _describe and _files stand in for it here.
    const described = await shell('zsh', [
      '-f',
      '-c',
      [
        'compdef() { }',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh's own expansion
        '_describe() { print -rl -- "${(@P)4}" }',
        'source <(fjord completion zsh)',
        'words=(fjord topics list -o ""); CURRENT=5; _fjord',
        'words=(fjord top); CURRENT=2; _fjord',
      ].join('\n'),
    ])
    expect(described.split('\n')).toEqual([
      'table',
      'json',
      'yaml',
      expect.stringMatching(/^topics:Topics of a cluster/),
      '',
    ])
  })
})

describe('fish', () => {
  test('the script is valid fish and completes commands and choices', async () => {
    // fish -n exits 0 on a syntax error in -c, not in a file
    await shell('fish', ['--no-execute', await savedScript('fish')])
    const answers = await shell('fish', [
      '--no-config',
      '-c',
      [
        'fjord completion fish | source',
        'complete -C "fjord top"',
        'complete -C "fjord topics list --output="',
      ].join('\n'),
    ])
    expect(answers.split('\n')).toEqual([
      expect.stringMatching(/^topics\tTopics of a cluster/),
      '--output=json',
      '--output=table',
      '--output=yaml',
      '',
    ])
  })
})

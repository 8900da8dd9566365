import type { Argument, Command, Option } from 'commander'

// Shell completion from the commander tree itself, as cobra does it for gh: the shell scripts
// only hand the words typed so far to the hidden `fjord __complete` and show what it prints, so
// a new command, flag or choice completes with no edit here.

export const shells = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof shells)[number]

export interface Candidate {
  value: string
  description: string
}

/** What may stand for the word under the cursor; `files`: file names fit there too. */
export interface Completion {
  candidates: Candidate[]
  files: boolean
}

/** Where the words before the cursor leave the command line. */
interface Position {
  command: Command
  /** Positional arguments given to `command` so far. */
  operands: number
  /** The option whose value the next word is. */
  awaiting: Option | undefined
  /** After `--`, every word is an argument. */
  afterDashes: boolean
  /** After `help`: the command whose subcommands it takes. */
  helpFor: Command | undefined
}

/**
 * Completes the last of `words` (the words after the program's name; the last one is what is
 * typed under the cursor, possibly empty).
 */
export function complete(program: Command, words: readonly string[]): Completion {
  const current = words.at(-1) ?? ''
  const { command, operands, awaiting, afterDashes, helpFor } = walk(program, words.slice(0, -1))
  if (awaiting && (awaiting.required || !current.startsWith('-'))) {
    return values(awaiting.argChoices, current, namesFiles(placeholder(awaiting)))
  }
  if (!afterDashes && current.startsWith('-')) return flagsOrValues(command, current)
  const commands = afterDashes ? [] : subcommands(helpFor ?? command)
  // Past a word that names no subcommand, nothing fits.
  if (commands.length > 0) return operands === 0 ? matching(commands, current) : none
  const argument = argumentAt(command, operands)
  if (argument) return values(argument.argChoices, current, namesFiles(argument.name()))
  // Nothing more to name: the flags are what is left to type.
  return current === '' ? matching(flags(command), current) : none
}

const none: Completion = { candidates: [], files: false }

function walk(program: Command, before: readonly string[]): Position {
  const at: Position = {
    command: program,
    operands: 0,
    awaiting: undefined,
    afterDashes: false,
    helpFor: undefined,
  }
  for (const word of before) {
    const awaiting = at.awaiting
    at.awaiting = undefined
    // An optional value (`--json [fields]`) is taken only when the word is no flag, as commander does.
    if (awaiting && (awaiting.required || !word.startsWith('-'))) continue
    if (at.afterDashes) at.operands++
    else if (word === '--') at.afterDashes = true
    else if (word.startsWith('-') && word !== '-') {
      const option = findOption(at.command, word)
      if (option && takesValue(option) && !hasInlineValue(word)) at.awaiting = option
    } else {
      const sub = at.operands === 0 ? findSubcommand(at.command, word) : undefined
      if (sub) {
        // commander's implicit `help [command]` is the one visible subcommand not in .commands.
        at.helpFor = at.command.commands.includes(sub) ? undefined : at.command
        at.command = sub
        at.operands = 0
      } else at.operands++
    }
  }
  return at
}

/** `--output=js`: the choices of --output after the `=`; otherwise the flags. */
function flagsOrValues(command: Command, current: string): Completion {
  const equals = current.indexOf('=')
  if (current.startsWith('--') && equals > 0) {
    const name = current.slice(0, equals)
    const option = findOption(command, name)
    if (!option || !takesValue(option)) return none
    const completion = values(option.argChoices, current.slice(equals + 1), false)
    return {
      candidates: completion.candidates.map((c) => ({ ...c, value: `${name}=${c.value}` })),
      files: false,
    }
  }
  return matching(flags(command), current)
}

function values(choices: readonly string[] | undefined, current: string, files: boolean) {
  if (!choices) return { candidates: [], files }
  return matching(
    choices.map((value) => ({ value, description: '' })),
    current,
  )
}

function matching(candidates: Candidate[], current: string): Completion {
  return { candidates: candidates.filter((c) => c.value.startsWith(current)), files: false }
}

function subcommands(command: Command): Candidate[] {
  const help = command.createHelp()
  return help.visibleCommands(command).map((sub) => ({
    value: sub.name(),
    description: help.subcommandDescription(sub),
  }))
}

function findSubcommand(command: Command, word: string): Command | undefined {
  const help = command.createHelp()
  return help
    .visibleCommands(command)
    .find((sub) => sub.name() === word || sub.aliases().includes(word))
}

/** The flags of `command` and those of its parents that hold for it too, each once. */
function flags(command: Command): Candidate[] {
  const seen = new Set<string>()
  const candidates: Candidate[] = []
  for (const option of optionsOf(command)) {
    const value = option.long ?? option.short
    if (!value || seen.has(value)) continue
    seen.add(value)
    candidates.push({ value, description: option.description })
  }
  return candidates
}

/** The visible options of `command` (with --help), then its parents'. */
function optionsOf(command: Command): Option[] {
  const own = command.createHelp().visibleOptions(command)
  const inherited: Option[] = []
  for (let parent = command.parent; parent; parent = parent.parent) {
    inherited.push(...parent.options.filter((option) => !option.hidden))
  }
  return [...own, ...inherited]
}

function findOption(command: Command, word: string): Option | undefined {
  const name = word.startsWith('--') ? word.split('=')[0] : word.slice(0, 2)
  return optionsOf(command).find((option) => option.long === name || option.short === name)
}

const takesValue = (option: Option) => option.required || option.optional

/** `--output=json` or `-ojson`: the value is in the word already. */
function hasInlineValue(word: string): boolean {
  return word.startsWith('--') ? word.includes('=') : word.length > 2
}

function argumentAt(command: Command, operands: number): Argument | undefined {
  const args = command.registeredArguments
  const last = args.at(-1)
  return args[operands] ?? (last?.variadic ? last : undefined)
}

/** The name in an option's `<value>` or `[value]`. */
function placeholder(option: Option): string {
  return /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? ''
}

/** A value named `<file>`, `<path>`, `<dir>` (or `<config-file>`…) completes as a file name. */
function namesFiles(name: string): boolean {
  return /(^|-)(file|path|dir)s?(\.\.\.)?$/i.test(name)
}

/**
 * What `__complete` prints: one candidate a line, `value<TAB>description`, then a last line
 * `:files` when file names fit as well, `:none` otherwise.
 */
export function completionLines({ candidates, files }: Completion): string {
  const lines = candidates.map(({ value, description }) =>
    description ? `${value}\t${oneLine(description)}` : value,
  )
  return `${[...lines, files ? ':files' : ':none'].join('\n')}\n`
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()

/** The script a shell loads; it calls `<program> __complete -- <words…>` on every TAB. */
export function completionScript(shell: Shell, program: string): string {
  const fn = `_${program.replace(/[^A-Za-z0-9_]/g, '_')}`
  return scripts[shell](program, fn)
}

const scripts: Record<Shell, (program: string, fn: string) => string> = {
  bash: (program, fn) => `# bash completion for ${program}: source <(${program} completion bash)
${fn}() {
  # The words after the program, up to the cursor's; bash splits --flag=value at the =, so
  # those pieces are joined again.
  local words=() i word joined=0
  for ((i = 1; i <= COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if ((\${#words[@]} > 0)) && [[ $word == = || \${COMP_WORDS[i - 1]} == = ]]; then
      words[\${#words[@]} - 1]+=$word
      ((i == COMP_CWORD)) && joined=1
    else
      words+=("$word")
    fi
  done
  local lines line
  lines=$("\${COMP_WORDS[0]}" __complete -- "\${words[@]}" 2>/dev/null) || return
  COMPREPLY=()
  while IFS= read -r line; do
    case $line in
      :files) compopt -o default ;;
      :*) ;;
      *)
        line=\${line%%$'\\t'*}
        # After --flag=, bash replaces only what follows the =.
        ((joined)) && line=\${line#*=}
        COMPREPLY+=("$line")
        ;;
    esac
  done <<<"$lines"
}
complete -F ${fn} ${program}
`,
  zsh: (program, fn) => `#compdef ${program}
# zsh completion for ${program}: source <(${program} completion zsh), or save it as ${fn} in $fpath
${fn}() {
  local -a lines described
  local line files=0
  lines=("\${(@f)$("\${words[1]}" __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for line in $lines; do
    case $line in
      :files) files=1 ;;
      :*) ;;
      *$'\\t'*) described+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}") ;;
      *) described+=("\${line//:/\\\\:}") ;;
    esac
  done
  (( \${#described} )) && _describe -t values '${program}' described
  (( files )) && _files
  return 0
}
if [[ $funcstack[1] == ${fn} ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${program}
fi
`,
  fish: (program, fn) => `# fish completion for ${program}: ${program} completion fish | source
function ${fn}
    set -l words (commandline -opc)
    set -l program $words[1]
    set -e words[1]
    set -l lines ($program __complete -- $words (commandline -ct) 2>/dev/null)
    for line in $lines
        switch $line
            case :files
                __fish_complete_path (commandline -ct)
            case ':*'
            case '*'
                echo $line
        end
    end
end
complete -c ${program} -f -a '(${fn})'
`,
}

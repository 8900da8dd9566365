import { Argument, type Command } from 'commander'
import { complete, completionLines, completionScript, type Shell, shells } from '../completion.ts'
import type { Act } from '../context.ts'

export function registerCompletion(program: Command, act: Act): void {
  program
    .command('completion')
    .description('Print the shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell').choices(shells))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ source <(fjord completion bash)      # in ~/.bashrc',
        '  $ source <(fjord completion zsh)       # in ~/.zshrc, after compinit',
        '  $ fjord completion fish > ~/.config/fish/completions/fjord.fish',
      ].join('\n'),
    )
    .action(
      act(async (ctx, command) => {
        const [shell] = command.processedArgs as [Shell]
        ctx.output.write(completionScript(shell, program.name()))
      }),
    )

  // What the scripts call on every TAB; it reads no profile, so it answers even without one.
  program
    .command('__complete', { hidden: true })
    .argument('[words...]', 'the words after fjord, the last one under the cursor')
    .action((words: string[]) => {
      program.configureOutput().writeOut?.(completionLines(complete(program, words)))
    })
}

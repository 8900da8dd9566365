import type { Command } from 'commander'
import type { Act } from '../context.ts'

export function registerGroups(program: Command, _act: Act): void {
  program.command('groups').description('Consumer groups of a cluster: members, lag, offset resets')
}

import type { Command } from 'commander'
import type { Act } from '../context.ts'

export function registerMembers(program: Command, _act: Act): void {
  program.command('members').description('Members of an organization and their roles')
}

import type { Command } from 'commander'
import type { Act } from '../context.ts'

export function registerAudit(program: Command, _act: Act): void {
  program.command('audit').description('Who changed what in an organization')
}

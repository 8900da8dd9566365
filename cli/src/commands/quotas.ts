import type { Command } from 'commander'
import type { Act } from '../context.ts'

export function registerQuotas(program: Command, _act: Act): void {
  program.command('quotas').description('What an organization may use, and how much it uses')
}

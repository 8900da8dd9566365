import type { Command } from 'commander'
import type { Act } from '../context.ts'

export function registerUsage(program: Command, _act: Act): void {
  program.command('usage').description('Usage of an organization over time')
}

import type { Command } from 'commander'
import type { Act } from '../context.ts'

export function registerApiKeys(program: Command, _act: Act): void {
  program.command('api-keys').description('API keys of an organization')
}

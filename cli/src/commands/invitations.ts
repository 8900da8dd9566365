import type { Command } from 'commander'
import type { Act } from '../context.ts'

export function registerInvitations(program: Command, _act: Act): void {
  program.command('invitations').description('Invitations to join an organization')
}

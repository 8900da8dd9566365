import type { Command } from 'commander'
import type { Act } from '../context.ts'

export function registerServiceAccounts(program: Command, _act: Act): void {
  program
    .command('service-accounts')
    .description('Kafka principals of a cluster: their ACLs and credentials')
}

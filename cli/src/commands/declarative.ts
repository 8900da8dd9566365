import type { Command } from 'commander'
import type { Act } from '../context.ts'

export function registerDeclarative(_program: Command, _act: Act): void {}

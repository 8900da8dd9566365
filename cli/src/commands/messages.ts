import type { Command } from 'commander'
import type { Act } from '../context.ts'

/** produce, consume and tail under `fjord topics`. */
export function registerMessages(_topics: Command, _act: Act): void {}

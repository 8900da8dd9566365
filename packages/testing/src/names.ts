import { randomBytes } from 'node:crypto'

/** A unique lowercase name, so tests never share tenants, namespaces or topics. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

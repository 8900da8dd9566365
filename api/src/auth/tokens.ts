import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * A random URL-safe token with `bytes` bytes of entropy. It never starts with '-': tokens are
 * pasted as command-line arguments (`fjord invitations accept <token>`), where one would read
 * as an option. One draw in 64 starts with it and is drawn again.
 */
export function randomToken(bytes = 24): string {
  for (;;) {
    const token = randomBytes(bytes).toString('base64url')
    if (!token.startsWith('-')) return token
  }
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

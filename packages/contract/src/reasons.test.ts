import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { reasons } from './reasons.ts'

const docs = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', name), 'utf8')

/** The reasons in the second column of docs/operator.md's "Condition reasons" table. */
function operatorTable(): Set<string> {
  const section = docs('operator.md').split('## Condition reasons')[1]?.split('\n## ')[0] ?? ''
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| kind'))
  return new Set(
    rows.flatMap((row) =>
      [...(row.split('|')[2] ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1] ?? ''),
    ),
  )
}

describe('the condition reasons', () => {
  it("are all explained, in docs/operator.md's table or, for the api's own, in docs/api.md", () => {
    const table = operatorTable()
    const api = docs('api.md')
    const unexplained = Object.values(reasons).filter(
      (reason) => !table.has(reason) && !api.includes(`\`${reason}\``),
    )
    expect(unexplained, 'reasons no doc explains').toEqual([])
  })

  it("are the only ones docs/operator.md's table lists", () => {
    const known = new Set<string>(Object.values(reasons))
    expect([...operatorTable()].filter((reason) => !known.has(reason))).toEqual([])
  })

  it('are valid Kubernetes condition reasons, named by themselves', () => {
    for (const [key, reason] of Object.entries(reasons)) {
      expect(reason).toMatch(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      expect(key).toBe(reason)
    }
  })
})

import type { Problem } from '@fjord/client'
import { FjordProblem } from '../api.ts'

/** The problem an error carries, or one made up for an error that is not the API's. */
export function problemOf(error: unknown): Problem {
  if (error instanceof FjordProblem) return error.problem
  const detail = error instanceof Error ? error.message : String(error)
  return { type: 'about:blank', title: 'Error', status: 0, code: 'unexpected_response', detail }
}

/** The API's message for one field (`name`, `config.retention.ms`), to show beside it. */
export function fieldError(error: unknown, path: string): string | undefined {
  if (!(error instanceof FjordProblem)) return undefined
  return error.problem.errors?.find((e) => e.path === path || e.path.startsWith(`${path}.`))
    ?.message
}

interface QuotaViolation {
  limit: string
  maximum: number
  current: number
  requested: number
}

function isQuotaViolation(problem: Problem): problem is Problem & QuotaViolation {
  return problem.code === 'quota_exceeded' && typeof problem.limit === 'string'
}

/**
 * A problem of the API in words: its detail, the field errors no field on the form shows
 * (`shownFields`), and for `quota_exceeded` the limit, the use, the maximum and what to do.
 */
export function ProblemNote({
  error,
  shownFields = [],
}: {
  error: unknown
  shownFields?: string[]
}) {
  if (!error) return null
  const problem = problemOf(error)
  const others = (problem.errors ?? []).filter(
    (e) => !shownFields.some((field) => e.path === field || e.path.startsWith(`${field}.`)),
  )
  return (
    <div className="note error" role="alert">
      <strong>{problem.title}</strong>
      {isQuotaViolation(problem) ? (
        <QuotaExceeded problem={problem} />
      ) : (
        <span>{problem.detail}</span>
      )}
      {others.length > 0 && (
        <ul>
          {others.map((e) => (
            <li key={e.path}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

function QuotaExceeded({ problem }: { problem: QuotaViolation }) {
  return (
    <dl className="quota-exceeded">
      <div>
        <dt>Limit</dt>
        <dd>{problem.limit}</dd>
      </div>
      <div>
        <dt>In use</dt>
        <dd>{problem.current}</dd>
      </div>
      <div>
        <dt>Asked for</dt>
        <dd>{problem.requested} more</dd>
      </div>
      <div>
        <dt>Maximum</dt>
        <dd>{problem.maximum}</dd>
      </div>
      <p>
        Free some of it (delete topics or partitions you no longer need), ask for less, or move the
        organization to a larger plan on its Quotas page.
      </p>
    </dl>
  )
}

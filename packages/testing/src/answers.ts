import type { Answer, Data, Problem } from '@fjord/client'

/** What came back, for a failing test's message. */
function shown({ data, error, response }: Answer): string {
  return `${response.status} from ${response.url}: ${JSON.stringify(error ?? data)?.slice(0, 500)}`
}

/** The body of an answer with exactly `status`; fails with the status and body that came back. */
export async function expectAnswer<A extends Answer>(
  answer: A | Promise<A>,
  status: number,
): Promise<Data<A>> {
  const answered = await answer
  if (answered.response.status !== status) {
    throw new Error(`expected ${status}, got ${shown(answered)}`)
  }
  return answered.data as Data<A>
}

/** The problem of an answer with exactly `status`; fails with the status and body that came back. */
export async function expectProblem(
  answer: Answer | Promise<Answer>,
  status: number,
): Promise<Problem> {
  const answered = await answer
  if (answered.response.status !== status || answered.error === undefined) {
    throw new Error(`expected a problem with ${status}, got ${shown(answered)}`)
  }
  return answered.error as Problem
}

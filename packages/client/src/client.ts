import createClient, { type Client } from 'openapi-fetch'
import type { components, paths } from './schema.ts'

/**
 * A problem's stable `code`, to branch on: one of the API's own, or `unexpected_response` for
 * an error answer that is not problem+json (a proxy's page, say).
 */
export type ProblemCode = ApiProblem['code'] | 'unexpected_response'

type ApiProblem = components['schemas']['Problem']

/** An error answer of the API (`application/problem+json`), with its stable `code`. */
export type Problem = { [K in keyof ApiProblem as K extends 'code' ? never : K]: ApiProblem[K] } & {
  code: ProblemCode
}

export type FjordClient = Client<paths>

export interface FjordClientOptions {
  /** Where the API is, e.g. `https://fjord.example.com`; paths start with `/v1/…`. */
  baseUrl: string
  /** An API key (`fjord_…`), or the platform admin's token, sent as a bearer token. */
  token?: string
  /** Sent with every request: e.g. a console session's cookie and its `x-csrf-token`. */
  headers?: Record<string, string>
  /** Another `fetch`, e.g. an app's handler in-process; the global one by default. */
  fetch?: (request: Request) => Promise<Response>
}

/**
 * A client whose methods are the API's routes, typed from its OpenAPI document:
 * `const { data, error } = await fjord.GET('/v1/orgs/{org}/clusters', { params: { path: { org } } })`
 * answers either the route's body as `data` or its problem as `error`.
 */
export function createFjordClient({
  baseUrl,
  token,
  headers,
  fetch,
}: FjordClientOptions): FjordClient {
  return createClient<paths>({
    baseUrl,
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(fetch ? { fetch } : {}),
  })
}

/** A problem the API answered, thrown by `unwrap` for callers who prefer exceptions. */
export class FjordProblem extends Error {
  readonly problem: Problem

  constructor(problem: Problem) {
    super(problem.detail)
    this.name = 'FjordProblem'
    this.problem = problem
  }

  get code(): ProblemCode {
    return this.problem.code
  }

  get status(): number {
    return this.problem.status
  }
}

/** What a client method resolves to: the route's body as `data`, or its problem as `error`. */
export interface Answer {
  data?: unknown
  error?: unknown
  response: Response
}

/** The body of a successful answer: the `data` of the answer that has no `error`. */
export type Data<A extends Answer> = Extract<A, { error?: never }>['data']

/**
 * The body of a successful answer, or a `FjordProblem` thrown for an error answer:
 * `const cluster = await unwrap(fjord.GET('/v1/orgs/{org}/clusters/{cluster}', …))`.
 */
export async function unwrap<A extends Answer>(answer: A | Promise<A>): Promise<Data<A>> {
  const { data, error, response } = await answer
  if (response.ok) return data as Data<A>
  throw new FjordProblem(isProblem(error) ? error : notAProblem(response, error))
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && 'code' in body && 'status' in body
}

/** An error answer that is no problem+json (a proxy's page, say), as a problem all the same. */
function notAProblem(response: Response, body: unknown): Problem {
  const shown = typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body ?? '')
  return {
    type: 'about:blank',
    title: response.statusText || 'Error',
    status: response.status,
    code: 'unexpected_response',
    detail: `${response.status} ${shown}`.trim(),
  }
}

import { createFjordClient, FjordProblem, unwrap } from '@fjord/client'
import type { components, paths } from '@fjord/client/schema'

export type Schemas = components['schemas']

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

function cookie(name: string): string | undefined {
  const found = document.cookie.split('; ').find((part) => part.startsWith(`${name}=`))
  return found && decodeURIComponent(found.slice(name.length + 1))
}

/**
 * The console's client of the REST API: the session cookie goes along by itself, and every
 * write echoes the CSRF token the API issued in the readable `fjord_csrf` cookie.
 */
export const fjord = createFjordClient({
  baseUrl: window.location.origin,
  fetch: (request) => {
    const token = cookie('fjord_csrf')
    if (token && !safeMethods.has(request.method)) request.headers.set('x-csrf-token', token)
    return fetch(request)
  },
})

export { FjordProblem, unwrap }

/** Paths of the API, for typed query keys and permission checks. */
export type ApiPath = keyof paths

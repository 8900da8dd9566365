import type { KubeList, KubeObject } from './client.ts'

/** One request for a page of a collection: the apiserver's `limit` and `continue`. */
export type ListPage = (query: {
  limit: number
  continue?: string
}) => Promise<KubeList<KubeObject>>

/**
 * Lists a collection page by page, following `continue` tokens, so no response holds more
 * than `pageSize` objects. Each page's items come with apiVersion and kind, which the items
 * of a built-in list lack and owner references and applies need. No further page is asked
 * for once `signal` aborts.
 */
export async function* listPages(
  list: ListPage,
  options: { pageSize?: number; signal?: AbortSignal } = {},
): AsyncGenerator<KubeList<KubeObject>> {
  const limit = options.pageSize ?? 500
  let continueToken: string | undefined
  do {
    const page = await list(continueToken ? { limit, continue: continueToken } : { limit })
    const kind = page.kind?.replace(/List$/, '')
    yield {
      ...page,
      items: page.items.map((item) =>
        item.kind || !kind ? item : { apiVersion: page.apiVersion, kind, ...item },
      ),
    }
    continueToken = page.metadata.continue || undefined
  } while (continueToken && !options.signal?.aborted)
}

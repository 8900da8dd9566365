import { getRouteApi } from '@tanstack/react-router'
import { CreateTopicPage } from './create.tsx'
import { TopicsPage } from './list.tsx'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/topics')

/** `topics`: the list, or with `?create=true` the form of a new topic. */
export function Topics() {
  return route.useSearch().create ? <CreateTopicPage /> : <TopicsPage />
}

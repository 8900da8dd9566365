import { createRoute, lazyRouteComponent } from '@tanstack/react-router'
import { clusterRoute, notFoundOn404 } from '../../routes/org.tsx'
import { messagesSearch } from './search.ts'
import { topicForMessagesQuery } from './use-browse.ts'
import './messages.css'

/** `topics/$topic/messages?partition=0&start=offset&offset=120&filter=…`: a browse a link keeps. */
const messagesRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'topics/$topic/messages',
  validateSearch: messagesSearch,
  loader: ({ context, params }) =>
    context.queryClient.ensureQueryData(topicForMessagesQuery(params)).catch(notFoundOn404),
  component: lazyRouteComponent(() => import('./page.tsx'), 'MessagesPage'),
})

export const messageRoutes = [messagesRoute]

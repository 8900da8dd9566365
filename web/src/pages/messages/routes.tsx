import { createRoute } from '@tanstack/react-router'
import { clusterRoute } from '../../routes/org.tsx'
import { Placeholder } from '../../ui/placeholder.tsx'

const messagesRoute = createRoute({
  getParentRoute: () => clusterRoute,
  path: 'topics/$topic/messages',
  component: () => <Placeholder title="Messages" />,
})

export const messageRoutes = [messagesRoute]

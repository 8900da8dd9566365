import { createRoute } from '@tanstack/react-router'
import { orgRoute } from '../../routes/org.tsx'
import { Placeholder } from '../../ui/placeholder.tsx'

const quotasRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'quotas',
  component: () => <Placeholder title="Quotas and usage" />,
})

const auditRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'audit',
  component: () => <Placeholder title="Audit log" />,
})

export const insightRoutes = [quotasRoute, auditRoute]

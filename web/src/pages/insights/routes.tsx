import { createRoute, lazyRouteComponent } from '@tanstack/react-router'
import { orgRoute } from '../../routes/org.tsx'
import { auditSearch, usageSearch } from './search.ts'
import './insights.css'

// The pages load when first visited, so none of their code weighs on the console's first page.
const quotasPage = () => import('./quotas-page.tsx')

/** `/orgs/$org/quotas`: the limits, and `/orgs/$org/quotas/usage`: the usage charts. */
const quotasRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'quotas',
  component: lazyRouteComponent(quotasPage, 'QuotasLayout'),
})

const limitsRoute = createRoute({
  getParentRoute: () => quotasRoute,
  path: '/',
  component: lazyRouteComponent(quotasPage, 'QuotasPage'),
})

const usageRoute = createRoute({
  getParentRoute: () => quotasRoute,
  path: 'usage',
  validateSearch: usageSearch,
  component: lazyRouteComponent(() => import('./usage-page.tsx'), 'UsagePage'),
})

const auditRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'audit',
  validateSearch: auditSearch,
  component: lazyRouteComponent(() => import('./audit-page.tsx'), 'AuditPage'),
})

export const insightRoutes = [quotasRoute.addChildren([limitsRoute, usageRoute]), auditRoute]

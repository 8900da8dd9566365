import { createRoute } from '@tanstack/react-router'
import { orgRoute } from '../../routes/org.tsx'
import { AuditPage, auditSearch } from './audit-page.tsx'
import { QuotasLayout, QuotasPage } from './quotas-page.tsx'
import { UsagePage, usageSearch } from './usage-page.tsx'
import './insights.css'

/** `/orgs/$org/quotas`: the limits, and `/orgs/$org/quotas/usage`: the usage charts. */
const quotasRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'quotas',
  component: QuotasLayout,
})

const limitsRoute = createRoute({
  getParentRoute: () => quotasRoute,
  path: '/',
  component: QuotasPage,
})

const usageRoute = createRoute({
  getParentRoute: () => quotasRoute,
  path: 'usage',
  validateSearch: usageSearch,
  component: UsagePage,
})

const auditRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'audit',
  validateSearch: auditSearch,
  component: AuditPage,
})

export const insightRoutes = [quotasRoute.addChildren([limitsRoute, usageRoute]), auditRoute]

import { createRoute, lazyRouteComponent } from '@tanstack/react-router'
import { orgRoute } from '../../routes/org.tsx'
import { appRoute } from '../../routes/root.tsx'
import { invitationSearch } from './invitation-link.ts'
import './account.css'

const accountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'account',
  component: lazyRouteComponent(() => import('./account-page.tsx'), 'AccountPage'),
})

const newOrgRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'orgs/new',
  component: lazyRouteComponent(() => import('./new-org-page.tsx'), 'NewOrgPage'),
})

/** The link of an invitation; without a session, the app route sends it through login first. */
const acceptInvitationRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'invitations/accept',
  validateSearch: invitationSearch,
  component: lazyRouteComponent(() => import('./accept-page.tsx'), 'AcceptInvitationPage'),
})

export const accountRoutes = [accountRoute, newOrgRoute, acceptInvitationRoute]

const membersRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'members',
  component: lazyRouteComponent(() => import('./members-page.tsx'), 'MembersPage'),
})

const apiKeysRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'api-keys',
  component: lazyRouteComponent(() => import('./api-keys-page.tsx'), 'ApiKeysPage'),
})

export const memberRoutes = [membersRoute, apiKeysRoute]

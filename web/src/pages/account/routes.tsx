import { createRoute } from '@tanstack/react-router'
import { orgRoute } from '../../routes/org.tsx'
import { appRoute } from '../../routes/root.tsx'
import { AcceptInvitationPage, invitationSearch } from './accept-page.tsx'
import { AccountPage } from './account-page.tsx'
import { ApiKeysPage } from './api-keys-page.tsx'
import { MembersPage } from './members-page.tsx'
import { NewOrgPage } from './new-org-page.tsx'
import './account.css'

const accountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'account',
  component: AccountPage,
})

const newOrgRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'orgs/new',
  component: NewOrgPage,
})

/** The link of an invitation; without a session, the app route sends it through login first. */
const acceptInvitationRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'invitations/accept',
  validateSearch: invitationSearch,
  component: AcceptInvitationPage,
})

export const accountRoutes = [accountRoute, newOrgRoute, acceptInvitationRoute]

const membersRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'members',
  component: MembersPage,
})

const apiKeysRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'api-keys',
  component: ApiKeysPage,
})

export const memberRoutes = [membersRoute, apiKeysRoute]

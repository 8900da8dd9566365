import { createRoute } from '@tanstack/react-router'
import { orgRoute } from '../../routes/org.tsx'
import { appRoute } from '../../routes/root.tsx'
import { Placeholder } from '../../ui/placeholder.tsx'

const accountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'account',
  component: () => <Placeholder title="Account" />,
})

const newOrgRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'orgs/new',
  component: () => <Placeholder title="New organization" />,
})

const acceptInvitationRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'invitations/accept',
  component: () => <Placeholder title="Join an organization" />,
})

export const accountRoutes = [accountRoute, newOrgRoute, acceptInvitationRoute]

const membersRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'members',
  component: () => <Placeholder title="Members" />,
})

const apiKeysRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'api-keys',
  component: () => <Placeholder title="API keys" />,
})

export const memberRoutes = [membersRoute, apiKeysRoute]

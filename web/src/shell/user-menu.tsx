import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate } from '@tanstack/react-router'
import { fjord } from '../api.ts'
import { meQuery } from '../routes/root.tsx'

/** Ends the session and forgets what was read with it; the log-in page leads to `next` after. */
export function useLogOut() {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  return async (next?: string) => {
    await fjord.POST('/v1/auth/logout')
    queryClient.clear()
    await navigate({ to: '/login', search: next ? { next } : {} })
  }
}

/** The right of the top bar: the API reference, your account, and Log out. */
export function UserMenu() {
  const { data: me } = useQuery(meQuery)
  const logOut = useLogOut()
  return (
    <>
      <a href="/docs">API reference</a>
      <Link to="/account">{me?.kind === 'user' ? me.user.email : 'Account'}</Link>
      <button type="button" onClick={() => logOut()}>
        Log out
      </button>
    </>
  )
}

import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate } from '@tanstack/react-router'
import type { ReactNode } from 'react'
import { fjord } from '../../api.ts'
import { meQuery } from '../../routes/root.tsx'

/** The frame of the pages that belong to no one org: the account, a new org, an invitation. */
export function AccountFrame({ children }: { children: ReactNode }) {
  const { data: me } = useQuery(meQuery)
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  return (
    <div className="account-frame">
      <header className="topbar">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          Fjord
        </Link>
        <span className="spacer" />
        <a href="/docs">API reference</a>
        <Link to="/account">{me?.kind === 'user' ? me.user.email : 'Account'}</Link>
        <button
          type="button"
          onClick={async () => {
            await fjord.POST('/v1/auth/logout')
            queryClient.clear()
            await navigate({ to: '/login' })
          }}
        >
          Log out
        </button>
      </header>
      <main className="account-main">{children}</main>
    </div>
  )
}

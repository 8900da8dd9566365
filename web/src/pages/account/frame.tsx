import { Link } from '@tanstack/react-router'
import type { ReactNode } from 'react'
import { UserMenu } from '../../shell/user-menu.tsx'

/** The frame of the pages that belong to no one org: the account, a new org, an invitation. */
export function AccountFrame({ children }: { children: ReactNode }) {
  return (
    <div className="account-frame">
      <header className="topbar">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          Fjord
        </Link>
        <span className="spacer" />
        <UserMenu />
      </header>
      <main className="account-main">{children}</main>
    </div>
  )
}

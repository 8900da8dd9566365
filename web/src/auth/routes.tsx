import { useQueryClient } from '@tanstack/react-query'
import { createRoute, Link, redirect, useNavigate } from '@tanstack/react-router'
import { useState } from 'react'
import { fjord, unwrap } from '../api.ts'
import { appRoute, meQuery, rootRoute } from '../routes/root.tsx'
import { Field } from '../ui/field.tsx'
import { ProblemNote } from '../ui/problem.tsx'
import { useSubmit } from '../ui/submit.ts'
import { isOwnPath } from './next.ts'

interface NextSearch {
  next?: string
}

const nextSearch = (search: Record<string, unknown>): NextSearch =>
  typeof search.next === 'string' && isOwnPath(search.next) ? { next: search.next } : {}

function LoginPage() {
  const { next } = loginRoute.useSearch()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const { error, busy, onSubmit } = useSubmit(async () => {
    await unwrap(fjord.POST('/v1/auth/login', { body: { email, password } }))
    queryClient.clear()
    await navigate({ to: next ?? '/' })
  })
  return (
    <main className="auth-page">
      <form className="card form" onSubmit={onSubmit}>
        <h1>Log in to Fjord</h1>
        <Field label="Email" path="email" error={error}>
          <input
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password" path="password" error={error}>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <ProblemNote error={error} shownFields={['email', 'password']} />
        <button type="submit" className="primary" disabled={busy}>
          Log in
        </button>
        <p className="muted">
          New to Fjord?{' '}
          <Link to="/signup" search={next ? { next } : {}}>
            Create an account
          </Link>
        </p>
      </form>
    </main>
  )
}

function SignupPage() {
  const { next } = signupRoute.useSearch()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [org, setOrg] = useState('')
  const { error, busy, onSubmit } = useSubmit(async () => {
    await unwrap(
      fjord.POST('/v1/auth/signup', {
        body: { email, password, organization: { name: org } },
      }),
    )
    queryClient.clear()
    // Back where the visitor was going (an invitation link, say), else to the new org.
    if (next) await navigate({ to: next })
    else await navigate({ to: '/orgs/$org/clusters', params: { org } })
  })
  const orgInvalid =
    org && !/^[a-z][a-z0-9-]*[a-z0-9]$/.test(org)
      ? 'Lowercase letters, digits and dashes; starts with a letter, ends with a letter or digit'
      : undefined
  return (
    <main className="auth-page">
      <form className="card form" onSubmit={onSubmit}>
        <h1>Create your Fjord account</h1>
        <Field label="Email" path="email" error={error}>
          <input
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password" hint="At least 10 characters" path="password" error={error}>
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Field
          label="Organization"
          hint="Its short name, in URLs and Kafka prefixes: e.g. acme"
          path="organization.name"
          error={error}
          invalid={orgInvalid}
        >
          <input
            required
            minLength={2}
            maxLength={40}
            autoComplete="organization"
            value={org}
            onChange={(e) => setOrg(e.target.value.toLowerCase())}
          />
        </Field>
        <ProblemNote error={error} shownFields={['email', 'password', 'organization.name']} />
        <button type="submit" className="primary" disabled={busy || Boolean(orgInvalid)}>
          Sign up
        </button>
        <p className="muted">
          Have an account?{' '}
          <Link to="/login" search={next ? { next } : {}}>
            Log in
          </Link>
        </p>
      </form>
    </main>
  )
}

export const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'login',
  validateSearch: nextSearch,
  component: LoginPage,
})

export const signupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'signup',
  validateSearch: nextSearch,
  component: SignupPage,
})

/** `/`: the first org the user is in, or making one. */
export const homeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  beforeLoad: async ({ context }) => {
    const me = await context.queryClient.ensureQueryData(meQuery)
    const first = me.memberships[0]
    if (first) throw redirect({ to: '/orgs/$org/clusters', params: { org: first.organization } })
    throw redirect({ to: '/orgs/new' })
  },
})

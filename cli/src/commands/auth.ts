import { hostname } from 'node:os'
import type { Command } from 'commander'
import type { Act, Context } from '../context.ts'
import { CliError, exitCodes, notLoggedIn } from '../errors.ts'
import { withOutputFlags } from '../output.ts'
import { readStdin, valueOrAsk } from '../prompts.ts'
import { identityShape } from '../shapes/accounts.ts'

export interface Credentials {
  email?: string
  password?: string
  passwordStdin?: boolean
  apiUrl?: string
}

export function registerAuth(program: Command, act: Act): void {
  program
    .command('signup')
    .description('Create an account and an organization, then log in to it')
    .option('--email <email>', 'your email (asked on a terminal)')
    .option('--password <password>', 'a password of 10 characters or more (asked on a terminal)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--org <name>', 'the organization to create, e.g. acme (asked on a terminal)')
    .option('--name <name>', 'your name')
    .addHelpText(
      'after',
      '\nExamples:\n  $ fjord signup\n  $ fjord signup --email ada@example.com --org acme --password-stdin < password.txt',
    )
    .action(
      act(async (ctx, command) => {
        const flags = command.opts<Credentials & { org?: string; name?: string }>()
        const { email, password } = await askCredentials(ctx, flags)
        const org = await valueOrAsk(ctx.terminal, flags.org, {
          flag: '--org',
          message: 'Organization name (lowercase, e.g. acme)',
        })
        const answer = ctx.clientWith().POST('/v1/auth/signup', {
          body: {
            email,
            password,
            organization: { name: org },
            ...(flags.name ? { name: flags.name } : {}),
          },
        })
        const session = await sessionOf(ctx, answer)
        await logInWithSession(ctx, session, org)
        ctx.output.success(`Signed up as ${email}; organization ${org} created`)
      }),
    )

  program
    .command('login')
    .description(
      'Log in: email and password mint an API key named after this host, kept in the profile',
    )
    .option('--email <email>', 'your email (asked on a terminal)')
    .option('--password <password>', 'your password (asked on a terminal)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--api-key <key>', 'log in with an existing API key instead (or FJORD_API_KEY)')
    .option('--org <name>', 'the organization the key is for, when you belong to several')
    .addHelpText(
      'after',
      [
        '',
        'The key gets your role in the organization; with FJORD_API_KEY set, fjord needs no login at all.',
        '',
        'Examples:',
        '  $ fjord login',
        '  $ fjord login --email ada@example.com --password-stdin < password.txt',
        '  $ fjord login --api-key fjord_…',
        '  $ fjord login --profile staging --api-url https://fjord.staging.example.com',
      ].join('\n'),
    )
    .action(
      act(async (ctx, command) => {
        const flags = command.opts<Credentials & { apiKey?: string; org?: string }>()
        const apiKey = flags.apiKey ?? (flags.email ? undefined : ctx.env.apiKey)
        if (apiKey) return logInWithKey(ctx, apiKey)
        const { email, password } = await askCredentials(ctx, flags)
        const session = await sessionOf(
          ctx,
          ctx.clientWith().POST('/v1/auth/login', { body: { email, password } }),
        )
        const me = await ctx.call(session.client.GET('/v1/me'))
        const orgs = me.memberships.map((m) => m.organization)
        const org = flags.org ?? (orgs.length === 1 ? orgs[0] : undefined)
        if (!org) {
          throw new CliError(
            `you belong to ${orgs.length} organizations: ${orgs.join(', ') || 'none'}`,
            {
              exitCode: exitCodes.usage,
              suggestion: 'pass --org <name>',
            },
          )
        }
        await logInWithSession(ctx, session, org)
        ctx.output.success(`Logged in as ${email} to ${org} (profile ${ctx.settings.profileName})`)
      }),
    )

  program
    .command('logout')
    .description('Revoke the API key `fjord login` minted, and forget it')
    .addHelpText('after', '\nExamples:\n  $ fjord logout\n  $ fjord logout --profile staging')
    .action(
      act(async (ctx) => {
        const profile = ctx.profiles().profiles[ctx.settings.profileName]
        if (!profile?.apiKey) throw notLoggedIn()
        if (profile.apiKeyName) await revoke(ctx, profile.apiKey, profile.apiKeyName)
        else ctx.output.warn('the key was given with --api-key, so it stays valid on the server')
        await ctx.updateProfile(({ apiKey: _key, apiKeyName: _name, ...rest }) => rest)
        ctx.output.success(`Logged out of profile ${ctx.settings.profileName}`)
      }),
    )

  withOutputFlags(
    program
      .command('whoami')
      .description('Show who you are logged in as, where, and the default org and cluster')
      .addHelpText('after', '\nExamples:\n  $ fjord whoami\n  $ fjord whoami --json apiKey,role'),
  ).action(
    act(async (ctx, command) => {
      const me = await ctx.call(ctx.client().GET('/v1/me'))
      const orgs = me.memberships.map((m) => m.organization)
      ctx.output.one(
        identityShape,
        {
          profile: ctx.settings.profileName,
          apiUrl: ctx.settings.apiUrl,
          kind: me.kind,
          email: me.kind === 'user' ? me.user.email : null,
          apiKey: me.kind === 'api_key' ? me.apiKey.name : null,
          role: me.kind === 'api_key' ? me.apiKey.role : null,
          orgs,
          org: ctx.settings.org ?? null,
          cluster: ctx.settings.cluster ?? null,
        },
        command.opts(),
      )
    }),
  )
}

/**
 * Runs `use` with a console session of the user, from --email and --password (asked on a
 * terminal), and ends it: for what an API key may not do (create an org, accept an invitation).
 */
export async function withUserSession<T>(
  ctx: Context,
  flags: Credentials,
  use: (client: Session['client']) => Promise<T>,
): Promise<T> {
  const { email, password } = await askCredentials(ctx, flags)
  const session = await sessionOf(
    ctx,
    ctx.clientWith().POST('/v1/auth/login', { body: { email, password } }),
  )
  try {
    return await use(session.client)
  } finally {
    await session.client.POST('/v1/auth/logout')
  }
}

async function askCredentials(ctx: Context, flags: Credentials) {
  const email = await valueOrAsk(ctx.terminal, flags.email, { flag: '--email', message: 'Email' })
  const password = flags.passwordStdin
    ? await readStdin(ctx.terminal.stdin)
    : await valueOrAsk(ctx.terminal, flags.password, {
        flag: '--password',
        message: 'Password',
        secret: true,
      })
  return { email, password }
}

interface Session {
  client: ReturnType<Context['clientWith']>
}

/** A console session from a signup or login answer: its cookie and CSRF token, as headers. */
async function sessionOf(
  ctx: Context,
  answer: Promise<{ data?: { csrfToken: string }; error?: unknown; response: Response }>,
): Promise<Session> {
  const awaited = await answer
  const body = (await ctx.call(Promise.resolve(awaited))) as { csrfToken: string }
  const cookie = awaited.response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ')
  return { client: ctx.clientWith({ headers: { cookie, 'x-csrf-token': body.csrfToken } }) }
}

/** Mints a key with the user's role in `org`, keeps it in the profile, and ends the session. */
async function logInWithSession(ctx: Context, session: Session, org: string): Promise<void> {
  try {
    const me = await ctx.call(session.client.GET('/v1/me'))
    const role = me.memberships.find((m) => m.organization === org)?.role
    if (!role) throw new CliError(`you are not a member of ${org}`)
    if (role !== 'admin' && role !== 'owner') {
      throw new CliError(`minting an API key needs the admin role; you are ${role} in ${org}`, {
        suggestion: 'ask an admin for a key, then run `fjord login --api-key <key>`',
      })
    }
    const key = await ctx.call(
      session.client.POST('/v1/orgs/{org}/api-keys', {
        params: { path: { org } },
        body: { name: keyName(hostname()), role },
      }),
    )
    await ctx.updateProfile((profile) => ({
      ...profile,
      apiUrl: ctx.settings.apiUrl,
      apiKey: key.token,
      apiKeyName: key.name,
      org,
      ...(profile.org === org ? {} : { cluster: undefined }),
    }))
  } finally {
    // The key is the login; the session was only the way to mint it.
    await session.client.POST('/v1/auth/logout')
  }
}

async function logInWithKey(ctx: Context, apiKey: string): Promise<void> {
  const me = await ctx.call(ctx.clientWith({ token: apiKey }).GET('/v1/me'))
  const org = me.memberships[0]?.organization
  await ctx.updateProfile((profile) => {
    const { apiKeyName: _minted, ...rest } = profile
    return {
      ...rest,
      apiUrl: ctx.settings.apiUrl,
      apiKey,
      org,
      ...(profile.org === org ? {} : { cluster: undefined }),
    }
  })
  const name = me.kind === 'api_key' ? me.apiKey.name : 'a session'
  ctx.output.success(
    `Logged in with API key ${name} to ${org} (profile ${ctx.settings.profileName})`,
  )
}

async function revoke(ctx: Context, apiKey: string, name: string): Promise<void> {
  const client = ctx.clientWith({ token: apiKey })
  const me = await client.GET('/v1/me')
  const org = me.data?.memberships[0]?.organization
  if (!org) return ctx.output.warn(`the key ${name} is no longer valid; forgetting it`)
  const { response } = await client.DELETE('/v1/orgs/{org}/api-keys/{apiKey}', {
    params: { path: { org, apiKey: name } },
  })
  if (response.ok) ctx.output.info(`Revoked API key ${name}`)
  else
    ctx.output.warn(`could not revoke API key ${name} (${response.status}): an admin of ${org} can`)
}

/** `cli-<host>-<random>`: recognisable in the key list, unique per login. */
export function keyName(host: string): string {
  const safe = host
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 27)
    .replace(/-+$/, '')
  const suffix = Math.random().toString(36).slice(2, 8).padEnd(6, '0')
  return `cli-${safe || 'host'}-${suffix}`
}

import { createFjordClient, type Data, type FjordClient, FjordProblem, unwrap } from '@fjord/client'
import type { Command } from 'commander'
import {
  type ConfigFile,
  type Environment,
  type GlobalFlags,
  loadConfig,
  type Profile,
  resolveSettings,
  type Settings,
  saveConfig,
} from './config.ts'
import { networkError, notLoggedIn, problemError, usageError } from './errors.ts'
import { Output, type Terminal } from './output.ts'
import { sendRetrying } from './retry.ts'

/** How long one request may take before fjord says which URL did not answer. */
const requestTimeoutMs = 30_000

/** What every command runs with: the settings, the output, and clients of the API. */
export class Context {
  readonly settings: Settings
  readonly output: Output

  readonly env: Environment
  private config: ConfigFile

  constructor(env: Environment, config: ConfigFile, flags: GlobalFlags, terminal: Terminal) {
    this.env = env
    this.config = config
    this.settings = resolveSettings(flags, env, config)
    this.output = new Output(terminal)
  }

  get terminal(): Terminal {
    return this.output.terminal
  }

  /** A client calling as the logged-in key; not logged in (exit 4) without one. */
  client(): FjordClient {
    if (!this.settings.apiKey) throw notLoggedIn()
    return this.clientWith({ token: this.settings.apiKey })
  }

  /** A client with no key, or with a session's headers. */
  clientWith(auth: { token?: string; headers?: Record<string, string> } = {}): FjordClient {
    const fetch = (request: Request) => fetchNamingUrl(request, this.output)
    return createFjordClient({ baseUrl: this.settings.apiUrl, fetch, ...auth })
  }

  /** The body of a successful answer; a problem becomes one clear CliError. */
  async call<A extends { data?: unknown; error?: unknown; response: Response }>(
    answer: Promise<A>,
  ): Promise<Data<A>> {
    try {
      return await unwrap(answer)
    } catch (error) {
      if (error instanceof FjordProblem) throw problemError(error.problem)
      throw error
    }
  }

  /** The org to act in: --org, FJORD_ORG or the profile's. */
  org(): string {
    const org = this.settings.org
    if (!org)
      throw usageError('no organization chosen', 'pass --org, or run `fjord use org <name>`')
    return org
  }

  /** The cluster to act on: --cluster, FJORD_CLUSTER or the profile's. */
  cluster(): string {
    const cluster = this.settings.cluster
    if (!cluster) {
      throw usageError('no cluster chosen', 'pass --cluster, or run `fjord use cluster <name>`')
    }
    return cluster
  }

  profiles(): Readonly<ConfigFile> {
    return this.config
  }

  /** Changes the active profile (or `name`) and writes the file, mode 0600. */
  async updateProfile(change: (profile: Profile) => Profile, name = this.settings.profileName) {
    const profiles = { ...this.config.profiles, [name]: change(this.config.profiles[name] ?? {}) }
    await this.writeConfig({ ...this.config, profiles })
  }

  async writeConfig(config: ConfigFile): Promise<void> {
    await saveConfig(this.env.configPath, config)
    this.config = config
  }
}

/** Sends a request, again while the API says it is busy (see retry.ts); no answer names the URL. */
async function fetchNamingUrl(request: Request, output: Output): Promise<Response> {
  try {
    return await sendRetrying(
      request,
      (attempt) => fetch(attempt, { signal: AbortSignal.timeout(requestTimeoutMs) }),
      { say: (line) => output.info(line) },
    )
  } catch (error) {
    throw networkError(request.url, error)
  }
}

export type Handler = (ctx: Context, command: Command) => Promise<void>

/** Turns a handler into a commander action that builds the context from the parsed flags. */
export type Act = (handler: Handler) => (...args: unknown[]) => Promise<void>

export function actions(env: Environment, streams: Omit<Terminal, 'color' | 'quiet'>): Act {
  return (handler) =>
    async (...args) => {
      const command = args.at(-1) as Command
      const flags = command.optsWithGlobals() as GlobalFlags & { quiet?: boolean; color?: boolean }
      const config = await loadConfig(env.configPath)
      const color = flags.color !== false && !env.noColor && Boolean(streams.stdout.isTTY)
      const terminal = { ...streams, color, quiet: Boolean(flags.quiet) }
      await handler(new Context(env, config, flags, terminal), command)
    }
}

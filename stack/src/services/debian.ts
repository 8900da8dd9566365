import { run, StackError, step } from '../proc.ts'

/**
 * Debian packages the stack uses: PostgreSQL, kcat, Chromium (for console tests), zsh and fish
 * (for the CLI's completion tests).
 */
export const debianPackages = ['postgresql', 'kcat', 'chromium', 'openssl', 'zsh', 'fish'] as const

/**
 * What the node adds (`up --node` only): containerd 1.6 with runc, the CNI plugins, and
 * busybox-static, a userland for small test images with no registry to pull one from.
 */
export const nodeDebianPackages = [
  'containerd',
  'runc',
  'containernetworking-plugins',
  'busybox-static',
] as const

async function isInstalled(pkg: string): Promise<boolean> {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
    const status = await run('dpkg-query', ['-W', '-f=${Status}', pkg])
    return status.includes('install ok installed')
  } catch {
    return false
  }
}

/** Installs those of `packages` that are missing (as root; else says how), the stack's by default. */
export async function ensureDebianPackages(
  packages: readonly string[] = debianPackages,
): Promise<void> {
  const missing: string[] = []
  for (const pkg of packages) if (!(await isInstalled(pkg))) missing.push(pkg)
  if (missing.length === 0) return
  if (process.getuid?.() !== 0) {
    throw new StackError(
      `missing Debian packages: ${missing.join(' ')}. Install them with \`sudo apt-get install -y ${missing.join(' ')}\`, or run the stack as root.`,
    )
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  await step(`apt-get install ${missing.join(' ')}`, async () => {
    await run('apt-get', ['update', '-q'], { env })
    await run('apt-get', ['install', '-y', '-q', ...missing], { env })
  })
}

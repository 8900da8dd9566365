import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { versions } from '../config.ts'
import { run, StackError, step } from '../proc.ts'
import type { Context } from './service.ts'

export function helmBin(ctx: Context): string {
  return join(ctx.config.cacheDir, `helm-${versions.helm}`, 'bin', 'helm')
}

/** Helm, built from its Go module with the machine's Go. */
export async function installHelm(ctx: Context): Promise<void> {
  const bin = helmBin(ctx)
  if (existsSync(bin)) return
  await step(`build Helm ${versions.helm} from its Go module`, async () => {
    const partial = `${join(bin, '..')}.partial-${process.pid}`
    await run('go', ['install', `helm.sh/helm/v4/cmd/helm@${versions.helm}`], {
      env: { ...process.env, GOBIN: partial, GOFLAGS: '' },
    })
    renameSync(partial, join(bin, '..'))
  })
}

function librdkafkaDir(ctx: Context): string {
  return join(ctx.config.cacheDir, `librdkafka-confluent-kafka-${versions.confluentKafkaWheel}`)
}

/**
 * Debian's kcat links librdkafka 2.0.2, whose SCRAM login Kafka 4 refuses (fixed in 2.6.1).
 * The confluent-kafka wheel on PyPI bundles a current librdkafka; kcat runs with it through
 * a wrapper script that sets LD_LIBRARY_PATH.
 */
export async function installKcat(ctx: Context): Promise<{ bin: string; libraryPath: string }> {
  const libraryPath = librdkafkaDir(ctx)
  if (!existsSync(join(libraryPath, 'librdkafka.so.1'))) {
    await step(
      `librdkafka from the confluent-kafka ${versions.confluentKafkaWheel} wheel (PyPI)`,
      async () => {
        const work = mkdtempSync(join(tmpdir(), 'fjord-wheel-'))
        try {
          await run('python3', [
            '-m',
            'pip',
            'download',
            '--quiet',
            '--no-deps',
            '--only-binary=:all:',
            '--dest',
            work,
            `confluent-kafka==${versions.confluentKafkaWheel}`,
          ])
          const wheel = readdirSync(work).find((f) => f.endsWith('.whl'))
          if (!wheel)
            throw new StackError('pip downloaded no confluent-kafka wheel for this platform')
          await run('python3', ['-m', 'zipfile', '-e', join(work, wheel), join(work, 'x')])
          const libs = join(work, 'x', 'confluent_kafka.libs')
          const lib = readdirSync(libs).find((f) => f.startsWith('librdkafka') && f.includes('.so'))
          if (!lib) throw new StackError(`no librdkafka in ${wheel}`)
          const partial = `${libraryPath}.partial-${process.pid}`
          // The whole folder: the library finds its bundled siblings through $ORIGIN.
          cpSync(libs, partial, { recursive: true })
          symlinkSync(lib, join(partial, 'librdkafka.so.1'))
          renameSync(partial, libraryPath)
        } finally {
          rmSync(work, { recursive: true, force: true })
        }
      },
    )
  }
  const binDir = join(ctx.config.stackDir, 'bin')
  mkdirSync(binDir, { recursive: true })
  const bin = join(binDir, 'kcat')
  writeFileSync(bin, `#!/bin/sh\nLD_LIBRARY_PATH='${libraryPath}' exec /usr/bin/kcat "$@"\n`)
  chmodSync(bin, 0o755)
  return { bin, libraryPath }
}

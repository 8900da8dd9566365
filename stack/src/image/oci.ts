import { spawn } from 'node:child_process'
import { createHash, type Hash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { copyFile, link, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { run, StackError } from '../proc.ts'

/**
 * OCI image layouts written without a Docker engine: no registry is reachable here, and
 * containerd imports such a layout as it is (`ctr -n k8s.io images import`).
 */

/** What the image runs, as the OCI image config names it. */
export interface ImageConfig {
  Entrypoint?: string[]
  Cmd?: string[]
  User?: string
  WorkingDir?: string
  Env?: string[]
}

export interface LayerDescriptor {
  /** sha256 of the gzipped tar: the blob's name. */
  digest: string
  /** Bytes of the gzipped tar. */
  size: number
  /** sha256 of the uncompressed tar, as the config's rootfs lists it. */
  diffId: string
  /** Bytes of the uncompressed tar. */
  uncompressedSize: number
}

/** A layer written before by writeLayer, kept so that an unchanged layer is not made again. */
export interface WrittenLayer extends LayerDescriptor {
  /** The gzipped tar. */
  blob: string
}

/**
 * A directory on the host whose contents become one layer, as root-owned files with their
 * modes as they are on disk (the caller makes them readable by the image's user); or a layer
 * written before.
 */
export type Layer = { dir: string } | WrittenLayer

export interface OciArchive {
  /** The manifest's digest: equal inputs give an equal digest. */
  digest: string
  layers: LayerDescriptor[]
}

const mediaTypes = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const

/** Sorted, root-owned, time-less entries, so the same files always make the same bytes. */
const reproducibleTar = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0']

/** Counts and hashes what flows through it. */
class Digester extends Transform {
  readonly hash: Hash = createHash('sha256')
  size = 0

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.size += chunk.length
    done(null, chunk)
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`
  }
}

/** Tars `dir` (its entries by name, without a `./` entry) and gzips it into `out`. */
export async function writeLayer(dir: string, out: string): Promise<LayerDescriptor> {
  const entries = (await readdir(dir)).sort()
  if (entries.length === 0) throw new StackError(`the image layer ${dir} is empty`)
  const tar = spawn('tar', [...reproducibleTar, '-C', dir, '-cf', '-', '--', ...entries], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: Buffer[] = []
  tar.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  const exited = new Promise<number | null>((resolve, reject) => {
    tar.on('error', reject)
    tar.on('close', resolve)
  })
  const uncompressed = new Digester()
  const compressed = new Digester()
  const partial = `${out}.${process.pid}.partial`
  try {
    await pipeline(tar.stdout, uncompressed, createGzip(), compressed, createWriteStream(partial))
  } catch (error) {
    tar.kill()
    throw error
  }
  const code = await exited
  if (code !== 0) {
    throw new StackError(
      `tar of the image layer ${dir} exited with ${code}: ${Buffer.concat(stderr).toString()}`,
    )
  }
  await rename(partial, out)
  return {
    digest: compressed.digest(),
    size: compressed.size,
    diffId: uncompressed.digest(),
    uncompressedSize: uncompressed.size,
  }
}

const hex = (digest: string) => digest.slice('sha256:'.length)

/** The same file at a second path: a hard link when the file system allows, else a copy. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await rm(to, { force: true })
  try {
    await link(from, to)
  } catch {
    await copyFile(from, to)
  }
}

/** Stores a JSON document as a blob and returns its descriptor. */
async function writeJsonBlob(
  blobs: string,
  mediaType: string,
  value: unknown,
): Promise<{ mediaType: string; digest: string; size: number }> {
  const bytes = Buffer.from(JSON.stringify(value))
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  await writeFile(join(blobs, hex(digest)), bytes)
  return { mediaType, digest, size: bytes.length }
}

/** The tag of a reference such as `docker.io/fjord/fjord:abc` (`latest` without one). */
function tagOf(name: string): string {
  const lastPart = name.slice(name.lastIndexOf('/') + 1)
  const colon = lastPart.indexOf(':')
  return colon === -1 ? 'latest' : lastPart.slice(colon + 1)
}

/**
 * Writes an OCI image layout as a tar archive at `out`: one gzipped layer per directory, in
 * order, for linux/amd64, named `name` (a full reference such as `docker.io/fjord/fjord:tag`,
 * since CRI looks unqualified names up as `docker.io/<name>`).
 */
export async function writeOciArchive({
  name,
  layers,
  config,
  out,
}: {
  name: string
  layers: Layer[]
  config: ImageConfig
  out: string
}): Promise<OciArchive> {
  await mkdir(dirname(out), { recursive: true })
  const staging = await mkdtemp(join(dirname(out), '.oci-'))
  try {
    const blobs = join(staging, 'blobs', 'sha256')
    await mkdir(blobs, { recursive: true })
    const written: LayerDescriptor[] = []
    for (const [i, layer] of layers.entries()) {
      if ('dir' in layer) {
        const blob = join(staging, `layer-${i}`)
        const descriptor = await writeLayer(layer.dir, blob)
        await rename(blob, join(blobs, hex(descriptor.digest)))
        written.push(descriptor)
      } else {
        const { blob, ...descriptor } = layer
        await linkOrCopy(blob, join(blobs, hex(descriptor.digest)))
        written.push(descriptor)
      }
    }
    const configBlob = await writeJsonBlob(blobs, mediaTypes.config, {
      architecture: 'amd64',
      os: 'linux',
      config,
      rootfs: { type: 'layers', diff_ids: written.map((layer) => layer.diffId) },
    })
    const manifest = await writeJsonBlob(blobs, mediaTypes.manifest, {
      schemaVersion: 2,
      mediaType: mediaTypes.manifest,
      config: configBlob,
      layers: written.map(({ digest, size }) => ({ mediaType: mediaTypes.layer, digest, size })),
    })
    await writeFile(join(staging, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
    await writeFile(
      join(staging, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: mediaTypes.index,
        manifests: [
          {
            ...manifest,
            annotations: {
              'io.containerd.image.name': name,
              'org.opencontainers.image.ref.name': tagOf(name),
            },
          },
        ],
      }),
    )
    const partial = `${out}.${process.pid}.partial`
    await run('tar', [
      ...reproducibleTar,
      '-C',
      staging,
      '-cf',
      partial,
      'oci-layout',
      'index.json',
      'blobs',
    ])
    await rename(partial, out)
    return { digest: manifest.digest, layers: written }
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** How to reach a containerd: its `ctr` binary and the address of its socket. */
export interface Containerd {
  bin: string
  address: string
}

/** The namespace the kubelet's CRI sees images in. */
const criNamespace = 'k8s.io'

/** Loads an archive written by writeOciArchive into containerd, where the kubelet finds it. */
export async function importImage({ bin, address }: Containerd, archive: string): Promise<void> {
  await run(bin, ['--address', address, '-n', criNamespace, 'images', 'import', archive])
}

/** True when containerd already holds the image `name` (a full reference), so the import can be skipped. */
export async function hasImage({ bin, address }: Containerd, name: string): Promise<boolean> {
  const listed = await run(bin, ['--address', address, '-n', criNamespace, 'images', 'ls', '-q'])
  return listed.split('\n').some((line) => line.trim() === name)
}

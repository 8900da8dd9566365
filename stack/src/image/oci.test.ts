import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, test } from 'vitest'
import { writeLayer, writeOciArchive } from './oci.ts'

const scratch = mkdtempSync(join(tmpdir(), 'fjord-oci-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** A directory holding `files` (path → content), made executable where the path says bin/. */
function aTree(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
    if (path.includes('bin/')) chmodSync(join(dir, path), 0o755)
  }
  return dir
}

/** A copy of `dir` with other times, owned by someone other than root when the test is root. */
function aCopy(dir: string, name: string): string {
  const copy = join(scratch, name)
  cpSync(dir, copy, { recursive: true })
  utimesSync(join(copy, 'app', 'main.ts'), new Date(2001, 1, 1), new Date(2001, 1, 1))
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1234:1234', copy])
  return copy
}

/** Unpacks an archive and reads its layout the way an importer does. */
function openLayout(archive: string) {
  const dir = mkdtempSync(join(scratch, 'layout-'))
  execFileSync('tar', ['-xf', archive, '-C', dir])
  const blob = (digest: string) => readFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)))
  const json = (digest: string) => JSON.parse(blob(digest).toString())
  return { dir, blob, json, index: JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) }
}

const config = {
  Entrypoint: ['/bin/app'],
  Cmd: ['serve'],
  User: '10001:10001',
  WorkingDir: '/app',
  Env: ['PATH=/bin'],
}

describe('OCI image archives', () => {
  const base = aTree('base', { 'bin/app': '#!/bin/true\n', 'etc/passwd': 'root:x:0:0::/:\n' })
  const app = aTree('app', { 'app/main.ts': 'console.log(1)\n', 'app/b/c.json': '{}' })

  test('hold an index, a manifest and a config whose digests match their blobs', async () => {
    const out = join(scratch, 'one.tar')
    const written = await writeOciArchive({
      name: 'docker.io/fjord/test:v1',
      layers: [{ dir: base }, { dir: app }],
      config,
      out,
    })
    const layout = openLayout(out)
    expect(JSON.parse(readFileSync(join(layout.dir, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    })
    expect(layout.index.manifests).toHaveLength(1)
    const [descriptor] = layout.index.manifests
    expect(descriptor.annotations).toEqual({
      'io.containerd.image.name': 'docker.io/fjord/test:v1',
      'org.opencontainers.image.ref.name': 'v1',
    })
    expect(descriptor.digest).toBe(written.digest)
    const manifestBytes = layout.blob(descriptor.digest)
    expect(sha256(manifestBytes)).toBe(descriptor.digest)
    expect(manifestBytes.length).toBe(descriptor.size)

    const manifest = JSON.parse(manifestBytes.toString())
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json')
    const configBytes = layout.blob(manifest.config.digest)
    expect(sha256(configBytes)).toBe(manifest.config.digest)
    const imageConfig = JSON.parse(configBytes.toString())
    expect(imageConfig).toMatchObject({ architecture: 'amd64', os: 'linux', config })

    expect(manifest.layers).toHaveLength(2)
    for (const [i, layer] of manifest.layers.entries()) {
      expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip')
      const gzipped = layout.blob(layer.digest)
      expect(sha256(gzipped)).toBe(layer.digest)
      expect(gzipped.length).toBe(layer.size)
      const tar = gunzipSync(gzipped)
      expect(imageConfig.rootfs.diff_ids[i]).toBe(sha256(tar))
      expect(written.layers[i]).toEqual({
        digest: layer.digest,
        size: layer.size,
        diffId: sha256(tar),
        uncompressedSize: tar.length,
      })
    }
  })

  test('lay out each directory as root-owned, sorted entries without a ./ entry', async () => {
    const out = join(scratch, 'listing.tar')
    const layers = [{ dir: aCopy(app, 'app-listed') }]
    await writeOciArchive({ name: 'fjord/listing', layers, config, out })
    const layout = openLayout(out)
    const [descriptor] = layout.index.manifests
    expect(descriptor.annotations['org.opencontainers.image.ref.name']).toBe('latest')
    const layer = layout.json(descriptor.digest).layers[0]
    const gz = join(layout.dir, 'blobs', 'sha256', layer.digest.slice(7))
    const listing = execFileSync('tar', ['--numeric-owner', '-tvzf', gz], { encoding: 'utf8' })
    const rows = listing.trim().split('\n')
    expect(rows.map((row) => row.split(/\s+/).at(-1))).toEqual([
      'app/',
      'app/b/',
      'app/b/c.json',
      'app/main.ts',
    ])
    for (const row of rows) expect(row.split(/\s+/)[1]).toBe('0/0')
  })

  test('give equal digests for equal files, whatever their times and owners', async () => {
    const copy = aCopy(app, 'app-copy')
    const first = await writeOciArchive({
      name: 'fjord/same',
      layers: [{ dir: base }, { dir: app }],
      config,
      out: join(scratch, 'same-1.tar'),
    })
    const second = await writeOciArchive({
      name: 'fjord/same',
      layers: [{ dir: base }, { dir: copy }],
      config,
      out: join(scratch, 'same-2.tar'),
    })
    expect(second).toEqual(first)
    expect(readFileSync(join(scratch, 'same-2.tar'))).toEqual(
      readFileSync(join(scratch, 'same-1.tar')),
    )

    writeFileSync(join(copy, 'app', 'main.ts'), 'console.log(2)\n')
    const changed = await writeOciArchive({
      name: 'fjord/same',
      layers: [{ dir: base }, { dir: copy }],
      config,
      out: join(scratch, 'same-3.tar'),
    })
    expect(changed.digest).not.toBe(first.digest)
    expect(changed.layers[0]).toEqual(first.layers[0])
  })

  test('take a layer written before as if its directory were given', async () => {
    const blob = join(scratch, 'app-layer.tar.gz')
    const layer = await writeLayer(app, blob)
    expect(sha256(readFileSync(blob))).toBe(layer.digest)
    const fromDirs = await writeOciArchive({
      name: 'fjord/cached',
      layers: [{ dir: base }, { dir: app }],
      config,
      out: join(scratch, 'cached-1.tar'),
    })
    const fromBlob = await writeOciArchive({
      name: 'fjord/cached',
      layers: [{ dir: base }, { ...layer, blob }],
      config,
      out: join(scratch, 'cached-2.tar'),
    })
    expect(fromBlob).toEqual(fromDirs)
    const layout = openLayout(join(scratch, 'cached-2.tar'))
    expect(sha256(layout.blob(layer.digest))).toBe(layer.digest)
  })
})

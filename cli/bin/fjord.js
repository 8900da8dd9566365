#!/usr/bin/env node
// The fjord command. Installed from the packed package, which ships dist/ and no src/, it runs
// the build; in the clone it runs the TypeScript source, so that `npx fjord` runs what is checked
// out, never a stale build.
import { existsSync } from 'node:fs'

const source = new URL('../src/main.ts', import.meta.url)
await import(existsSync(source) ? source.href : new URL('../dist/fjord.mjs', import.meta.url).href)

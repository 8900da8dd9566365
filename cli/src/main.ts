#!/usr/bin/env node
import { enableCompileCache } from 'node:module'

// Node keeps V8's compiled code of what is imported from here on (in the system's temporary
// directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a start compiles little: it matters
// most for the TypeScript source, which Node would strip of its types at every start.
enableCompileCache()
await import('./start.ts')

#!/usr/bin/env node
import { readEnvironment } from './config.ts'
import { run } from './program.ts'

const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY)
process.exitCode = await run(process.argv.slice(2), readEnvironment(process.env), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  interactive,
})

// fjord in this process: its environment, its streams and its exit code.
import { readEnvironment } from './config.ts'
import { run } from './program.ts'

// A reader that stops early (`fjord topics list | head`) is no failure: stop quietly, as gh does.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(0)
  })
}

const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY)
process.exitCode = await run(process.argv.slice(2), readEnvironment(process.env), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  interactive,
})

import { parentPort, workerData } from 'node:worker_threads'
import { compileFilter, type FilterRecord } from './message-filter.ts'

// The thread a browse's filter runs in (see filter-sandbox.ts): it answers each batch of
// records with, for each, true, false, or the message of the error the filter hit on it.
// It says 'ready' first, once the filter is compiled.

const test = compileFilter((workerData as { expression: string }).expression)
parentPort?.postMessage('ready')

parentPort?.on('message', (records: FilterRecord[]) => {
  parentPort?.postMessage(
    records.map((record) => {
      try {
        return test(record)
      } catch (error) {
        return error instanceof Error ? error.message.split('\n')[0] : String(error)
      }
    }),
  )
})

/**
 * Turns a statement about many items into a call about one: the calls made while a batch is
 * on its way are gathered into the next, so that a lone call goes out at once (after the calls
 * of the same turn of the event loop) and a burst of hundreds costs a handful of statements
 * instead of one each. `run` answers one result per item, in the order given.
 */
export function gathered<T, R>(
  run: (items: T[]) => Promise<R[]>,
  { maxBatch = 500 }: { maxBatch?: number } = {},
): (item: T) => Promise<R> {
  let waiting: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = []
  let busy = false
  const next = async (): Promise<void> => {
    const batch = waiting.slice(0, maxBatch)
    waiting = waiting.slice(batch.length)
    try {
      const results = await run(batch.map((call) => call.item))
      for (const [i, call] of batch.entries()) call.resolve(results[i] as R)
    } catch (error) {
      for (const call of batch) call.reject(error)
    }
    if (waiting.length > 0) return next()
    busy = false
  }
  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject })
      if (busy) return
      busy = true
      setImmediate(next)
    })
}

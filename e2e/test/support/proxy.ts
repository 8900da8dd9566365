import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy on loopback in front of `target`: stopping it makes the target unreachable
 * for whoever goes through it (connections refused, open ones cut) and for nobody else.
 */
export async function aProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('close', () => sockets.delete(socket))
          socket.on('error', () => {
            client.destroy()
            upstream.destroy()
          })
        }
        client.pipe(upstream).pipe(client)
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        const address = server?.address()
        if (address && typeof address === 'object') port = address.port
        resolve()
      })
    })
  await listen()
  return {
    get port() {
      return port
    },
    /** Refuses new connections and cuts the open ones. */
    async stop() {
      const closing = new Promise((resolve) => server?.close(resolve))
      for (const socket of sockets) socket.destroy()
      await closing
    },
    /** Serves again, on the same port. */
    start: listen,
  }
}

import { subscribe } from 'node:diagnostics_channel'
import type { EventEmitter } from 'node:events'

/**
 * Keeps a Kafka connection's 'error' events from ending the process; importing this module
 * is enough, and every module of Fjord that makes a @platformatic/kafka client or Connection
 * imports it.
 *
 * The client answers each failure through the callback or promise of the call that met it,
 * and also emits 'error' on the Connection, where its pool listens once. A broker that resets
 * a connection during the SASL login makes it emit twice (the socket's error, then the
 * handshake the closed socket could not send), and a login answered after connect() gave up
 * emits once with no listener left: either was thrown out of the process, so a Kafka restart
 * could end the operator or the api. Every Connection made in this process gets a listener
 * that drops the event: whoever called has the error already.
 */
subscribe('plt:kafka:instances', (message) => {
  const { type, instance } = message as { type: string; instance: EventEmitter }
  // Once, however many module graphs import this (each vitest file has its own).
  if (type === 'connection' && instance.listenerCount('error') === 0) instance.on('error', ignore)
})

function ignore(): void {}

import net from 'node:net'

/**
 * Marks a 'data' listener that copies what it keeps of a chunk before it returns, so that it may
 * be given a view of the socket's own read buffer.
 */
const BORROWS = Symbol('borrows the chunks it is given')

type BorrowingListener = ((chunk: Buffer) => void) & { [BORROWS]: true }

/** A 'data' listener that may be given the socket's read buffer itself (see BORROWS). */
export function borrowing(listener: (chunk: Buffer) => void): BorrowingListener {
  return Object.assign(listener, { [BORROWS]: true as const })
}

const READ_BYTES = 64 * 1024

/**
 * The socket node-postgres connects on (its `stream` option): it reads into one buffer of its
 * own instead of a fresh one per read. A borrowing listener (COPY out, copy-out.ts) is given that
 * buffer; any other listener gets a copy, as node-postgres's parser keeps a reference to a chunk
 * that ends inside a message. A connection over TLS gets an ordinary socket: TLS reads the socket
 * itself.
 */
export function pgSocket(config: { ssl?: unknown }): net.Socket {
  if (config.ssl !== undefined && config.ssl !== false) return new net.Socket()
  const buffer = Buffer.allocUnsafeSlow(READ_BYTES)
  const onread: net.OnReadOpts = {
    buffer,
    callback(bytes) {
      const chunk = buffer.subarray(0, bytes)
      const listeners = socket.listeners('data')
      const only = listeners.length === 1 ? listeners[0] : undefined
      if (only !== undefined && (only as Partial<BorrowingListener>)[BORROWS] === true) {
        ;(only as BorrowingListener)(chunk)
      } else {
        socket.emit('data', Buffer.from(chunk))
      }
      return true
    },
  }
  // Node's Socket takes `onread` as connect() does; its types list it for connect() only
  const socket = new net.Socket({ onread } as net.SocketConstructorOpts)
  return socket
}

/**
 * pgSocket as node-postgres's `stream` option: node-postgres calls it with the connection's
 * settings, though its types declare no parameter.
 */
export const pgStream = pgSocket as unknown as () => net.Socket

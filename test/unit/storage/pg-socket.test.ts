import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { borrowing, pgSocket } from '../../../src/storage/pg-socket.js'

/** A server that sends each piece on its own, once the client has read the one before. */
async function sender(pieces: string[]): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((c) => {
    const next = () => {
      const piece = pieces.shift()
      if (piece === undefined) c.end()
      else c.write(piece, () => setTimeout(next, 20))
    }
    next()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() }
}

function read(socket: net.Socket, port: number, listener: (chunk: Buffer) => void): Promise<void> {
  socket.on('data', listener)
  socket.connect(port, '127.0.0.1')
  return new Promise((resolve, reject) => {
    socket.on('end', resolve)
    socket.on('error', reject)
  })
}

describe('pgSocket', () => {
  let close = () => undefined as void
  afterEach(() => close())

  it('gives an ordinary listener chunks of its own, which later reads leave alone', async () => {
    const server = await sender(['first chunk', 'second one!'])
    close = server.close
    const chunks: Buffer[] = []
    await read(pgSocket({ ssl: false }), server.port, (c) => chunks.push(c))
    expect(chunks.map((c) => c.toString())).toEqual(['first chunk', 'second one!'])
  })

  it('lends a borrowing listener its one read buffer', async () => {
    const server = await sender(['first chunk', 'second one!'])
    close = server.close
    const seen: { text: string; buffer: ArrayBufferLike }[] = []
    await read(
      pgSocket({ ssl: false }),
      server.port,
      borrowing((c) => seen.push({ text: c.toString(), buffer: c.buffer })),
    )
    expect(seen.map((s) => s.text)).toEqual(['first chunk', 'second one!'])
    expect(seen[0]!.buffer).toBe(seen[1]!.buffer)
  })

  it('is an ordinary socket for a connection over TLS, which reads the socket itself', () => {
    const socket = pgSocket({ ssl: { rejectUnauthorized: false } })
    expect(socket).toBeInstanceOf(net.Socket)
    socket.destroy()
  })
})

import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { indicator, startTestHub, TAXII } from '../../helpers/hub.js'

describe('shutting down', () => {
  it('T-061 T-021 answers requests arriving while closing with a TAXII 503 and Retry-After', async () => {
    const hub = await startTestHub('pglite')
    const token = await hub.token({ write: ['*'] })
    const body = JSON.stringify({ objects: [indicator(1)] })
    const { port } = new URL(hub.url)
    // a POST whose body is still arriving keeps close() waiting
    const socket = connect(Number(port), '127.0.0.1')
    const answer = new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (d: Buffer) => (text += d.toString()))
      socket.on('close', () => resolve(text))
    })
    socket.write(
      `POST /hub/collections/distillation-indicators/objects/ HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${token}\r\nAccept: ${TAXII}\r\nContent-Type: ${TAXII}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    const closing = hub.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    // the rest of the POST, then a request pipelined on the same kept-alive connection
    socket.write(`${body.slice(10)}GET /taxii2/ HTTP/1.1\r\nHost: x\r\nAccept: ${TAXII}\r\n\r\n`)
    const [first, second] = (await answer).split(/(?=HTTP\/1\.1 )/)
    await closing
    expect(first).toMatch(/^HTTP\/1.1 202/)
    expect(second).toMatch(/^HTTP\/1.1 503/)
    expect(second).toContain(`content-type: ${TAXII}\r\n`)
    expect(second).toContain('retry-after: 5\r\n')
    expect(second).toContain('"error_code":"TAXII_ERR_UNAVAILABLE","http_status":"503"')
  })
})

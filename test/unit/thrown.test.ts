import { describe, expect, it } from 'vitest'
import { thrownMessage, thrownName } from '../../src/thrown.js'

describe('thrownMessage', () => {
  it("says an error's message", () => {
    expect(thrownMessage(new RangeError('too far'))).toBe('too far')
  })

  it('shows what was thrown when it is not an Error, never "[object Object]"', () => {
    // as PGlite's file system throws: a plain object with a WASI errno and no message
    expect(thrownMessage({ errno: 54 })).toBe('{ errno: 54 }')
    expect(thrownMessage({ message: 'disk full', code: 'ENOSPC' })).toBe('disk full')
    expect(thrownMessage({ message: '' })).toBe("{ message: '' }")
    expect(thrownMessage('plain text')).toBe("'plain text'")
    expect(thrownMessage(null)).toBe('null')
    expect(thrownMessage(undefined)).toBe('undefined')
  })
})

describe('thrownName', () => {
  it("is an error's name, and undefined for anything else", () => {
    const named = Object.assign(new Error('busy'), { name: 'DataDirBusyError' })
    expect(thrownName(named)).toBe('DataDirBusyError')
    expect(thrownName({ name: 'DataDirBusyError' })).toBeUndefined()
    expect(thrownName(null)).toBeUndefined()
  })
})

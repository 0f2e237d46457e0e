import { setTimeout as sleep } from 'node:timers/promises'
import { StatusExpiredError, StatusTimeoutError, TaxiiHttpError } from './errors.js'
import type { HttpTransport } from './http.js'
import { readStatus, type TaxiiStatus } from './resources.js'

export const statusUrl = (apiRootUrl: string, statusId: string): string =>
  `${apiRootUrl}status/${encodeURIComponent(statusId)}/`

export async function getStatus(
  http: HttpTransport,
  apiRootUrl: string,
  statusId: string,
): Promise<TaxiiStatus> {
  const url = statusUrl(apiRootUrl, statusId)
  const { value } = await http.json('GET', url)
  return readStatus(value, url)
}

/**
 * Polls a pending status with doubling delays until it is `complete` (T-165, T-213). A 404 means
 * the server no longer remembers it (T-088 lets it forget): StatusExpiredError.
 */
export async function waitForStatus(
  http: HttpTransport,
  apiRootUrl: string,
  pending: TaxiiStatus,
  pollTimeoutMs: number,
): Promise<TaxiiStatus> {
  const deadline = Date.now() + pollTimeoutMs
  let status = pending
  let delay = http.minDelayMs
  while (status.status === 'pending') {
    const remaining = deadline - Date.now()
    if (remaining <= 0) {
      throw new StatusTimeoutError(
        `status ${status.id} still pending after ${pollTimeoutMs} ms`,
        status,
      )
    }
    await sleep(Math.min(delay, remaining))
    delay = Math.min(delay * 2, http.maxDelayMs)
    try {
      status = await getStatus(http, apiRootUrl, status.id)
    } catch (err) {
      if (err instanceof TaxiiHttpError && err.status === 404) {
        throw new StatusExpiredError(
          `status ${status.id} was forgotten by the server before it completed`,
          status.id,
        )
      }
      throw err
    }
  }
  return status
}

/** What every admin operation refuses its input with: the CLI exits 1, the hub answers 400. */
export class AdminInputError extends Error {
  override name = 'AdminInputError'
}

/** Input whose options do not fit together, found only once the operation looks at it: exit 2. */
export class AdminUsageError extends AdminInputError {
  override name = 'AdminUsageError'
}

const API_ROOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/
const RESERVED_ROOTS = new Set(['taxii2', 'healthz', 'admin'])

/** Whether the hub can route `/<name>/` to an API root of this name. */
export const isApiRootName = (name: string): boolean =>
  API_ROOT_NAME.test(name) && !RESERVED_ROOTS.has(name)

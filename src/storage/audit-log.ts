import { sql, type Kysely, type RawBuilder } from 'kysely'
import { taxiiText } from './columns.js'
import type { Database } from './database.js'
import type { AuditEvent } from './store.js'

/** The statement that records one audit event. */
export const auditInsert = (e: AuditEvent): RawBuilder<unknown> => sql`
  insert into audit_log (sub, action, api_root, collection_id, details)
  values (${e.sub}, ${e.action}, ${e.api_root ?? null}, ${e.collection_id ?? null},
    ${JSON.stringify(e.details ?? {})}::jsonb)`

export interface AuditFilter {
  /** only events at or after this TAXII timestamp */
  since?: string
  sub?: string
  action?: string
  limit: number
}

export interface AuditRecord {
  at: string
  sub: string | null
  action: string
  api_root: string | null
  collection_id: string | null
  details: Record<string, unknown>
}

export interface AuditLog {
  /** the newest events first */
  list(filter: AuditFilter): Promise<AuditRecord[]>
}

/** Reading the audit log the store writes (`TaxiiStore.audit`). */
export function createAuditLog(db: Kysely<Database>): AuditLog {
  return {
    async list(f) {
      let q = db
        .selectFrom('audit_log')
        .select([
          taxiiText(sql.ref('at')).as('at'),
          'sub',
          'action',
          'api_root',
          'collection_id',
          'details',
        ])
        .orderBy('at', 'desc')
        .orderBy('pk', 'desc')
        .limit(f.limit)
      if (f.since !== undefined) q = q.where('at', '>=', sql<string>`${f.since}::timestamptz`)
      if (f.sub !== undefined) q = q.where('sub', '=', f.sub)
      if (f.action !== undefined) q = q.where('action', '=', f.action)
      return q.execute()
    },
  }
}

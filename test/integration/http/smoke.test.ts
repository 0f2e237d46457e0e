import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { indicator, startTestHub, TAXII, type AuthForm, type TestHub } from '../../helpers/hub.js'

describe.each(DIALECTS)('hub over HTTP (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  const objectsPath = '/hub/collections/distillation-indicators/objects/'

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
  })
  afterAll(() => hub.close())

  it.each<AuthForm>(['bearer', 'token', 'basic-password', 'basic-username'])(
    'T-038 accepts the hub token as %s credentials',
    async (auth) => {
      const res = await hub.request('/hub/collections/', { token, auth })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(TAXII)
      expect(res.json.collections[0].alias).toBe('distillation-indicators')
    },
  )

  it('T-036 answers 401 with both challenges without credentials', async () => {
    const res = await hub.request('/hub/collections/')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="taxii", Basic realm="taxii"')
    expect(res.json).toMatchObject({ http_status: '401', error_code: 'TAXII_ERR_UNAUTHORIZED' })
  })

  it('T-154 publishes a bundle and reads the exact text back', async () => {
    const text = JSON.stringify(indicator(1)).replace('{', '{ ')
    const post = await hub.request(objectsPath, { token, body: `{"objects":[${text}]}` })
    expect(post.status).toBe(202)
    expect(post.json).toMatchObject({ status: 'complete', success_count: 1, failure_count: 0 })
    const get = await hub.request(objectsPath, { token })
    expect(get.status).toBe(200)
    expect(get.text).toBe(`{"more":false,"objects":[${text}]}`)
    expect(get.headers.get('x-taxii-date-added-first')).toMatch(/^\d{4}-.*\.\d{6}Z$/)
  })
})

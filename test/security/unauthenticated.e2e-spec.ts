import { startApi } from '../support/test-apps';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  bearer,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import {
  exampleValue,
  fillPath,
  isIdLike,
  isPublic,
  jsonBodySchema,
  loadOpenApi,
  operationsOf,
  paramsIn,
  problemOf,
  type OpenApiDocument,
  type Operation,
} from './openapi-walk';

/**
 * Default deny, checked against the running app: every operation the OpenAPI document lists with
 * a non-empty `security` answers 401 (problem details, with WWW-Authenticate) to a call without
 * credentials or with credentials that are not ours; every operation it lists as public
 * (`security: []`) lets an anonymous caller through. The queue dashboard, which the document does
 * not list, is for platform administrators only.
 */

const QUEUE_DASHBOARD = '/admin/queues';

/** Credentials that must count as none: malformed, unsigned, forged or unknown. */
const BAD_CREDENTIALS: [name: string, headers: Record<string, string>][] = [
  ['a garbage bearer token', { authorization: 'Bearer garbage' }],
  ['an empty bearer token', { authorization: 'Bearer ' }],
  [
    'an unsigned JWT (alg none)',
    { authorization: `Bearer ${jwt({ alg: 'none', typ: 'JWT' }, { sub: randomUUID() })}.` },
  ],
  [
    'a JWT signed with another key',
    { authorization: `Bearer ${jwt({ alg: 'HS256', typ: 'JWT' }, { sub: randomUUID() })}.${b64(randomBytes(32))}` },
  ],
  ['an unknown API key as a bearer token', { authorization: `Bearer itk_${'a'.repeat(12)}_${b64(randomBytes(32))}` }],
  ['an unknown API key in X-API-Key', { 'x-api-key': `itk_${'b'.repeat(12)}_${b64(randomBytes(32))}` }],
  ['a malformed X-API-Key', { 'x-api-key': 'not-a-key' }],
  ['Basic credentials', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
];

function b64(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function jwt(header: object, payload: object): string {
  const now = Math.floor(Date.now() / 1000);
  return `${b64(JSON.stringify(header))}.${b64(JSON.stringify({ iat: now, exp: now + 600, ...payload }))}`;
}

describe('authentication on every route', () => {
  let app: NestFastifyApplication;
  let doc: OpenApiDocument;
  let operations: Operation[];

  beforeAll(async () => {
    // Every operation is called several times from one IP: the per-IP limits are not under test.
    app = await startApi({ RATE_LIMIT_MAX: '1000000' });
    doc = await loadOpenApi(app);
    operations = operationsOf(doc);
  });
  afterAll(() => app?.close());

  /** The operation's URL with path parameters filled (a random UUID for ids) and a minimal valid body. */
  function requestFor(o: Operation): { url: string; payload?: object } {
    const params = paramsIn(o, 'path');
    const url = fillPath(o.path, (name) => {
      const param = params.find((p) => p.name === name);
      return isIdLike(name, param?.schema)
        ? randomUUID()
        : String(exampleValue(doc, param?.schema ?? { type: 'string' }));
    });
    const schema = jsonBodySchema(doc, o);
    return { url, ...(schema ? { payload: exampleValue(doc, schema) as object } : {}) };
  }

  async function call(o: Operation, headers: Record<string, string>, payload?: object) {
    const request = requestFor(o);
    return app.inject({
      method: o.method.toUpperCase() as 'GET',
      url: request.url,
      headers,
      ...((payload ?? request.payload) ? { payload: payload ?? request.payload } : {}),
    });
  }

  /** What is wrong with `response` as the 401 of the authentication hook; undefined when nothing. */
  function not401(response: {
    statusCode: number;
    headers: Record<string, unknown>;
    body: string;
  }): string | undefined {
    const problem = problemOf(response.body);
    if (response.statusCode !== 401) return `answered ${response.statusCode}: ${response.body.slice(0, 300)}`;
    if (!String(response.headers['content-type']).startsWith('application/problem+json'))
      return `content-type ${String(response.headers['content-type'])}`;
    if (!/^Bearer\b/.test(String(response.headers['www-authenticate'] ?? ''))) return 'no WWW-Authenticate: Bearer';
    if (problem.status !== 401 || problem.code !== 'UNAUTHENTICATED') return `body ${response.body}`;
    return undefined;
  }

  it('lists secured and public operations, and declares a security requirement on each', () => {
    expect(operations.filter((o) => !isPublic(o)).length).toBeGreaterThan(10);
    expect(operations.filter(isPublic).length).toBeGreaterThan(0);
    expect(operations.filter((o) => !Array.isArray(o.op.security)).map((o) => o.label)).toEqual([]);
  });

  it('answers 401 problem details with WWW-Authenticate to every secured operation called without credentials', async () => {
    const failures: string[] = [];
    for (const o of operations.filter((op) => !isPublic(op))) {
      const problem = not401(await call(o, {}));
      if (problem) failures.push(`${o.label}: ${problem}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 401 to every secured operation called with credentials that are not ours', async () => {
    const failures: string[] = [];
    for (const o of operations.filter((op) => !isPublic(op))) {
      for (const [name, headers] of BAD_CREDENTIALS) {
        const problem = not401(await call(o, headers));
        if (problem) failures.push(`${o.label} with ${name}: ${problem}`);
      }
    }
    expect(failures).toEqual([]);
  });

  // Public routes must be reachable anonymously. With an empty JSON object as the body, the
  // request gets as far as validation (400) or is served; with a minimal valid body, sign-in and
  // refresh may still answer 401 for the made-up credentials themselves (INVALID_CREDENTIALS,
  // INVALID_REFRESH_TOKEN), which is their job, but never the hook's UNAUTHENTICATED.
  it('lets an anonymous caller reach every public operation', async () => {
    const failures: string[] = [];
    for (const o of operations.filter(isPublic)) {
      const takesBody = Boolean(jsonBodySchema(doc, o));
      const empty = await call(o, {}, takesBody ? {} : undefined);
      if (empty.statusCode === 401) failures.push(`${o.label} with an empty body: 401 ${empty.body}`);
      const minimal = await call(o, {});
      if (problemOf(minimal.body).code === 'UNAUTHENTICATED')
        failures.push(`${o.label} with a minimal body asked for credentials: ${minimal.statusCode} ${minimal.body}`);
    }
    expect(failures).toEqual([]);
  });

  describe('the queue dashboard (Bull Board, outside the OpenAPI document)', () => {
    let admin: TestUser;
    let tenant: TestTenant;
    let key: { id: string; key: string };
    /** The dashboard page and one of its JSON endpoints. */
    const urls = [QUEUE_DASHBOARD, `${QUEUE_DASHBOARD}/api/queues`];
    /**
     * The same routes spelled differently: Fastify's router decodes percent-escapes before it
     * matches, so these reach the dashboard too (or no route at all).
     */
    const spellings = [
      `${QUEUE_DASHBOARD}/`,
      `${QUEUE_DASHBOARD}?x=1`,
      '/admin/%71ueues',
      '/%61dmin/queues',
      '/admin/%71ueues/api/queues',
      '/admin/queues%2Fapi/queues',
      '/admin//queues',
      '/ADMIN/queues',
    ];

    beforeAll(async () => {
      admin = await createPlatformAdmin(app);
      tenant = await createTenant(app, admin, ['OWNER', 'VIEWER']);
      key = await createApiKey(app, tenant, ['read', 'write']);
    });

    it('serves it to a platform administrator', async () => {
      for (const url of urls) {
        const response = await app.inject({ method: 'GET', url, headers: bearer(admin.accessToken) });
        expect({ url, status: response.statusCode }).toEqual({ url, status: 200 });
      }
    });

    it('answers 401 problem details without credentials or with bad ones', async () => {
      for (const url of urls) {
        for (const [name, headers] of [['no credentials', {}] as const, ...BAD_CREDENTIALS]) {
          const response = await app.inject({ method: 'GET', url, headers });
          expect({ url, name, problem: not401(response) }).toEqual({ url, name, problem: undefined });
        }
      }
    });

    it('answers 403 problem details to tenant users and API keys', async () => {
      const callers: [string, Record<string, string>][] = [
        ['OWNER', bearer(tenant.users.OWNER!.accessToken)],
        ['VIEWER', bearer(tenant.users.VIEWER!.accessToken)],
        ['API key', { 'x-api-key': key.key }],
        ['API key as bearer', bearer(key.key)],
      ];
      for (const url of urls) {
        for (const [name, headers] of callers) {
          const response = await app.inject({ method: 'GET', url, headers });
          expect({ url, name, status: response.statusCode, type: response.headers['content-type'] }).toEqual({
            url,
            name,
            status: 403,
            type: expect.stringMatching(/^application\/problem\+json/),
          });
        }
      }
    });

    it('lets no tenant user, API key or anonymous caller in: never a 2xx or 3xx', async () => {
      const failures: string[] = [];
      for (const url of urls) {
        for (const [name, headers] of [
          ['no credentials', {}],
          ['a tenant OWNER', bearer(tenant.users.OWNER!.accessToken)],
          ['an API key', { 'x-api-key': key.key }],
        ] as const) {
          const response = await app.inject({ method: 'GET', url, headers });
          if (response.statusCode < 400) failures.push(`${url} as ${name}: ${response.statusCode}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('lets no anonymous caller or API key in through another spelling of its path', async () => {
      const failures: string[] = [];
      for (const url of spellings) {
        for (const [name, headers] of [
          ['no credentials', {}],
          ['an API key', { 'x-api-key': key.key }],
          ['an API key as bearer', bearer(key.key)],
        ] as const) {
          const response = await app.inject({ method: 'GET', url, headers });
          if (response.statusCode < 400) failures.push(`${url} as ${name}: ${response.statusCode}`);
        }
      }
      expect(failures).toEqual([]);
    });

    // Access is looked up by the route that matched, never the raw URL (authentication.hook.ts).
    it('lets no tenant user in through another spelling of its path', async () => {
      const failures: string[] = [];
      for (const url of spellings) {
        for (const role of ['OWNER', 'VIEWER'] as const) {
          const response = await app.inject({ method: 'GET', url, headers: bearer(tenant.users[role]!.accessToken) });
          if (response.statusCode < 400) failures.push(`${url} as a tenant ${role}: ${response.statusCode}`);
        }
      }
      expect(failures).toEqual([]);
    });
  });
});

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startApi } from '../support/test-apps';

const ROOT = path.join(__dirname, '..', '..');

function seed(env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'db', 'seed'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('npm run db:seed', () => {
  let app: NestFastifyApplication;
  let output: string;

  beforeAll(async () => {
    const run = seed();
    expect(run.status).toBe(0);
    output = run.stdout;
    app = await startApi();
  }, 60_000);
  afterAll(() => app.close());

  it('prints working credentials: the platform admin, a user per role and an API key per tenant', async () => {
    const admin = /platform admin (\S+) \/ (\S+)/.exec(output)!;
    const adminLogin = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: admin[1], password: admin[2] },
    });
    expect(adminLogin.statusCode).toBe(200);
    const tenants = await app.inject({
      method: 'GET',
      url: '/admin/tenants',
      headers: { authorization: `Bearer ${adminLogin.json().accessToken}` },
    });
    expect(
      tenants
        .json()
        .data.map((t: { plan: string }) => t.plan)
        .sort(),
    ).toEqual(['BASIC', 'ENTERPRISE', 'PRO']);

    const tenantLines = output.split('\n').filter((line) => line.includes('API key'));
    expect(tenantLines).toHaveLength(3);
    for (const line of tenantLines) {
      const [, users, password] = /users (.+) \/ (\S+);/.exec(line)!;
      const emails = users.split(', ');
      expect(emails).toHaveLength(7);
      const viewer = await app.inject({ method: 'POST', url: '/auth/login', payload: { email: emails[4], password } });
      expect(viewer.json()).toMatchObject({ tenantId: expect.any(String) });
      const me = await app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: `Bearer ${viewer.json().accessToken}` },
      });
      expect(me.json().activeRole).toBe('VIEWER');
      const key = /API key (\S+)/.exec(line)![1];
      const asKey = await app.inject({ method: 'GET', url: '/tenant', headers: { 'x-api-key': key } });
      // The key authenticates (a wrong key would be 401); /tenant does not take keys.
      expect(asKey.statusCode).toBe(403);
    }
  });

  it('is idempotent and refuses to run in production', () => {
    const again = seed();
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(/API key (\S+)/.exec(output)![1]);
    const production = seed({ NODE_ENV: 'production' });
    expect(production.status).not.toBe(0);
    expect(production.stderr + production.stdout).toContain('refuses to run with NODE_ENV=production');
  });
});

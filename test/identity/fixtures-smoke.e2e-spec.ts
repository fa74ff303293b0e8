import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApi } from '../support/test-apps';
import { bearer, createApiKey, createPlatformAdmin, createTenant } from '../support/identity-fixtures';

describe('identity fixtures', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await startApi();
  });
  afterAll(() => app.close());

  it('make a tenant with users per role and an API key', async () => {
    const admin = await createPlatformAdmin(app);
    const tenant = await createTenant(app, admin, ['OWNER', 'ADMIN', 'VIEWER']);
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(tenant.users.VIEWER!.accessToken) });
    expect(me.json()).toMatchObject({ activeTenantId: tenant.id, activeRole: 'VIEWER' });
    const key = await createApiKey(app, tenant);
    expect(key.key).toMatch(/^itk_[a-z2-7]{12}_/);
    const members = await app.inject({
      method: 'GET',
      url: '/tenant/members',
      headers: bearer(tenant.users.ADMIN!.accessToken),
    });
    expect(members.json().data).toHaveLength(3);
  });
});

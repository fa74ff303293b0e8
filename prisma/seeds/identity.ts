import type { PrismaClient, TenantPlan, TenantRole } from '@prisma/client';
import { createHash } from 'node:crypto';
import { hashPassword } from '@itinera/identity/credentials/password-hasher';
import { digest } from './demo-ids';
import type { Seed } from './index';

/** Local demonstration credentials; db:seed refuses to run in production. */
const ADMIN = { email: 'admin@itinera.local', password: 'itinera-admin-local', displayName: 'Platform Admin' };
export const DEMO_PASSWORD = 'itinera-demo-local';
const TENANTS: { name: string; domain: string; plan: TenantPlan }[] = [
  { name: 'Acme Clinic', domain: 'acme-clinic', plan: 'BASIC' },
  { name: 'Globex Health', domain: 'globex-health', plan: 'PRO' },
  { name: 'Initech Care', domain: 'initech-care', plan: 'ENTERPRISE' },
];
const ROLES: TenantRole[] = ['OWNER', 'ADMIN', 'MANAGER', 'MEMBER', 'VIEWER', 'PATIENT', 'SPECIALIST'];
/** The cost production uses (PASSWORD_SCRYPT_LOG_N's default), so seeded hashes need no upgrade. */
const SCRYPT_LOG_N = 15;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The demo API key of a tenant, derived from its domain: the same on every run (so seeding twice
 * prints the same working key) and useless anywhere but a local database seeded with it.
 */
function demoApiKey(domain: string): { key: string; prefix: string; hash: Uint8Array<ArrayBuffer> } {
  const bytes = digest(`prefix:${domain}`);
  const prefix = Array.from(bytes.subarray(0, 12), (b) => BASE32[b & 31]).join('');
  const secret = digest(`secret:${domain}`).toString('base64url');
  return { key: `itk_${prefix}_${secret}`, prefix, hash: new Uint8Array(createHash('sha256').update(secret).digest()) };
}

export async function upsertUser(
  prisma: PrismaClient,
  email: string,
  displayName: string,
  password: string,
  isPlatformAdmin = false,
) {
  const existing = await prisma.user.findUnique({ where: { email } });
  if (existing) return existing;
  return prisma.user.create({
    data: { email, displayName, passwordHash: await hashPassword(password, SCRYPT_LOG_N), isPlatformAdmin },
  });
}

/** A platform admin, three tenants (one per plan) with a user per role, and an API key each. */
export const identitySeed: Seed = {
  name: 'identity',
  async run(prisma) {
    const lines: string[] = [];
    await upsertUser(prisma, ADMIN.email, ADMIN.displayName, ADMIN.password, true);
    lines.push(`platform admin ${ADMIN.email} / ${ADMIN.password}`);
    for (const spec of TENANTS) {
      const tenant = await prisma.tenant.upsert({
        where: { domain: spec.domain },
        update: {},
        create: { name: spec.name, domain: spec.domain, plan: spec.plan },
      });
      const users: { role: TenantRole; user: { id: string } }[] = [];
      for (const role of ROLES) {
        const email = `${role.toLowerCase()}@${spec.domain}.local`;
        users.push({
          role,
          user: await upsertUser(prisma, email, `${spec.name} ${role.toLowerCase()}`, DEMO_PASSWORD),
        });
      }
      const apiKey = demoApiKey(spec.domain);
      // Tenant-owned rows: written with the tenant set, as row-level security requires of any
      // owner that is not a superuser.
      await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT set_config('app.tenant_id', ${tenant.id}, true)`;
        for (const { role, user } of users) {
          await tx.membership.upsert({
            where: { tenantId_userId: { tenantId: tenant.id, userId: user.id } },
            update: {},
            create: { tenantId: tenant.id, userId: user.id, role },
          });
          await tx.user.update({ where: { id: user.id }, data: { defaultTenantId: tenant.id } });
        }
        const created = await tx.apiKey.upsert({
          where: { prefix: apiKey.prefix },
          update: {},
          create: {
            tenantId: tenant.id,
            name: 'Demo key',
            prefix: apiKey.prefix,
            keyHash: apiKey.hash,
            scopes: ['read', 'write', 'metrics:ingest'],
          },
        });
        const seeded = await tx.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = ${tenant.id}::uuid AND action = 'tenant.seeded'`;
        if (seeded[0].n === 0) {
          await tx.$executeRaw`
            INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id, after)
            VALUES (${tenant.id}::uuid, 'SYSTEM', 'db:seed', 'tenant.seeded', 'tenant', ${tenant.id},
                    ${JSON.stringify({ plan: spec.plan, users: ROLES, apiKeyId: created.id })}::jsonb)`;
        }
      });
      lines.push(
        `tenant ${spec.domain} (${spec.plan}): users ${ROLES.map((r) => `${r.toLowerCase()}@${spec.domain}.local`).join(', ')} / ${DEMO_PASSWORD}; API key ${apiKey.key}`,
      );
    }
    return `\n  ${lines.join('\n  ')}`;
  },
};

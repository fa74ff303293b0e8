// @ts-check
/**
 * A bench-only Nest module for the tenant-read scenario, added to the full API app through
 * `createApiApp(env, { extraModules })` (BENCH_MODULES=tenant): one API key row by id, read the same
 * way with and without tenant scoping.
 *   GET /bench/tenant/scoped/:id    default access (an authenticated principal with an active
 *                                   tenant; the authentication hook puts the tenant in the request
 *                                   context), `prisma.tenantQuery(TENANT_READ_SQL, [id])`: the
 *                                   prepared set_config and the prepared SELECT before one Sync
 *                                   (one round trip), on PrismaService's pool (the app role, RLS)
 *   GET /bench/tenant/unscoped/:id  @Public(), the same SELECT as a named prepared statement
 *                                   (parsed once per connection, like the scoped one) on a pg Pool of its own,
 *                                   connected as DIRECT_DATABASE_URL (the owner: no RLS, no scope),
 *                                   sized like PrismaService's (DATABASE_POOL_SIZE)
 *   GET /bench/tenant/prisma/:id    default access, `prisma.scoped.apiKey.findUnique` (a batch
 *                                   transaction: BEGIN, set_config, SELECT, COMMIT), informational
 * A row of another tenant is a 404 on the scoped routes (row-level security hides it).
 *
 * Plain JavaScript, decorated with Reflect.decorate and the design-type metadata tsc would emit, as
 * in bench-db.module.js. Like every API route they pass the global rate limit and the request logger.
 */
require('reflect-metadata');
const { Controller, Inject, Module, NotFoundException } = require('@nestjs/common');
const { Pool } = require('pg');
const dist = require('./dist');
const { getByIdRoute } = require('./get-by-id-route');

const { PrismaService } = dist.prisma();
const { AppConfig, Public } = dist.platform();

/** The read measured: written in code (a prepared statement, values bound). */
const TENANT_READ_SQL = 'SELECT id, tenant_id, name, prefix, scopes, created_at FROM api_keys WHERE id = $1';

class BenchTenantController {
  /**
   * @param {InstanceType<typeof PrismaService>} prisma
   * @param {InstanceType<typeof AppConfig>} config
   */
  constructor(prisma, config) {
    this.prisma = prisma;
    const ownerUrl = config.get('DIRECT_DATABASE_URL', { infer: true });
    if (!ownerUrl) throw new Error('DIRECT_DATABASE_URL must be set for the unscoped tenant-read route');
    // The same settings as PrismaService's pool (libs/prisma/src/prisma.service.ts), as the owner.
    this.ownerPool = new Pool({
      connectionString: ownerUrl,
      max: config.get('DATABASE_POOL_SIZE', { infer: true }),
      statement_timeout: config.get('DATABASE_STATEMENT_TIMEOUT_MS', { infer: true }) || undefined,
      application_name: 'itinera-bench-owner',
      connectionTimeoutMillis: 10_000,
    });
    this.ownerPool.on('error', () => undefined);
  }

  /** @param {string} id */
  async scoped(id) {
    const rows = await this.prisma.tenantQuery(TENANT_READ_SQL, [id]);
    if (!rows[0]) throw new NotFoundException();
    return rows[0];
  }

  /** @param {string} id */
  async unscoped(id) {
    const { rows } = await this.ownerPool.query({ name: 'bench-tenant-read', text: TENANT_READ_SQL, values: [id] });
    if (!rows[0]) throw new NotFoundException();
    return rows[0];
  }

  /** @param {string} id */
  async viaPrisma(id) {
    const row = await this.prisma.scoped.apiKey.findUnique({
      where: { id },
      select: { id: true, tenantId: true, name: true, prefix: true, scopes: true, createdAt: true },
    });
    if (!row) throw new NotFoundException();
    return row;
  }

  /** Nest calls this on controllers too, after HTTP has drained. */
  async onApplicationShutdown() {
    await this.ownerPool.end();
  }
}

// No access decorator: default deny, i.e. an authenticated principal with an active tenant.
getByIdRoute(BenchTenantController, 'scoped', 'scoped/:id');
getByIdRoute(BenchTenantController, 'viaPrisma', 'prisma/:id');
// The reference takes no credentials, like the db-read routes.
getByIdRoute(BenchTenantController, 'unscoped', 'unscoped/:id', [/** @type {MethodDecorator} */ (Public())]);
Reflect.decorate(
  [
    Controller('bench/tenant'),
    /** @type {ClassDecorator} */ ((target) => Inject(PrismaService)(target, undefined, 0)),
    /** @type {ClassDecorator} */ ((target) => Inject(AppConfig)(target, undefined, 1)),
    Reflect.metadata('design:paramtypes', [PrismaService, AppConfig]),
  ],
  BenchTenantController,
);

class BenchTenantModule {}
// PrismaModule and AppConfigModule are global in the API app: these are the app's own instances.
Reflect.decorate([Module({ controllers: [BenchTenantController] })], BenchTenantModule);

module.exports = { BenchTenantModule, BenchTenantController, TENANT_READ_SQL };

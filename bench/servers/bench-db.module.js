// @ts-check
/**
 * A bench-only Nest module, added to the full API app through `createApiApp(env, { extraModules })`:
 * two routes that read one outbox row by id, identical except for the database call.
 *   GET /bench/db/prisma/:id  PrismaService.outboxMessage.findUnique
 *   GET /bench/db/pg/:id      prisma.pool.query (the pg Pool under Prisma) with the statement Prisma
 *                             itself sends for that findUnique (see db-lookup.js)
 * Plain JavaScript: the decorators are applied with Reflect.decorate, with the same design-type
 * metadata tsc would emit for `@Param('id') id: string`, so Nest (DI, the global validation pipe)
 * treats these routes exactly like the API's TypeScript ones.
 *
 * Like every API route they pass the global rate limit (the runner raises RATE_LIMIT_MAX so that
 * nothing is refused) and the request logger.
 */
require('reflect-metadata');
const { Controller, Inject, Module, NotFoundException } = require('@nestjs/common');
const dist = require('./dist');
const { getByIdRoute } = require('./get-by-id-route');
const { lookupFromEnv } = require('./db-lookup');

const { PrismaService } = dist.prisma();
const { Public } = dist.platform();
const lookup = lookupFromEnv();

class BenchDbController {
  /** @param {InstanceType<typeof PrismaService>} prisma */
  constructor(prisma) {
    this.prisma = prisma;
  }

  /** @param {string} id */
  async viaPrisma(id) {
    const row = await this.prisma.outboxMessage.findUnique({ where: { id } });
    if (!row) throw new NotFoundException();
    return row;
  }

  /** @param {string} id */
  async viaPg(id) {
    const { rows } = await this.prisma.pool.query(lookup.sql, lookup.paramsFor(id));
    if (!rows[0]) throw new NotFoundException();
    return rows[0];
  }
}

getByIdRoute(BenchDbController, 'viaPrisma', 'prisma/:id');
getByIdRoute(BenchDbController, 'viaPg', 'pg/:id');
Reflect.decorate(
  [
    Controller('bench/db'),
    // Like the ceiling, the routes take no credentials: this scenario measures the database call.
    /** @type {ClassDecorator} */ (Public()),
    /** @type {ClassDecorator} */ ((target) => Inject(PrismaService)(target, undefined, 0)),
    Reflect.metadata('design:paramtypes', [PrismaService]),
  ],
  BenchDbController,
);

class BenchDbModule {}
// PrismaModule is global in the API app: PrismaService is the app's own instance.
Reflect.decorate([Module({ controllers: [BenchDbController] })], BenchDbModule);

module.exports = { BenchDbModule, BenchDbController };

/**
 * `npm run db:seed` (also run by `prisma migrate reset`): local demonstration data, domain by domain
 * (prisma/seeds/<domain>.ts, each exporting a `Seed`). Builders in the seeds are shared with the
 * e2e tests, so both create data the same way. Refuses to run against production.
 */
import { PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';
import { seeds } from './seeds';

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production') {
    throw new Error('db:seed creates demonstration data and refuses to run with NODE_ENV=production.');
  }
  const url = process.env.DIRECT_DATABASE_URL || process.env.DATABASE_URL;
  if (!url) throw new Error('Set DATABASE_URL (or DIRECT_DATABASE_URL) to the database to seed.');
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  try {
    if (seeds.length === 0) console.log('Nothing to seed yet: no domain has seed data.');
    for (const seed of seeds) {
      const summary = await seed.run(prisma);
      console.log(`${seed.name}: ${summary}`);
    }
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import { parse } from 'pg-connection-string';
import { ShadowDatabaseSafePgClient } from './prisma/shadow-database-safe-pg-client';

// With a prisma.config.ts the CLI no longer reads .env itself; read it as the app does.
if (fs.existsSync('.env')) process.loadEnvFile('.env');

// 1. Skip the native-engine download (impossible offline): any existing file satisfies the check.
const placeholder = path.join(__dirname, 'prisma', 'native-engine.placeholder');
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= placeholder;
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= placeholder;

/** Migrations run as the owner of the tables; the app itself connects with DATABASE_URL. */
function migrationDatabaseUrl(): string {
  const url = process.env.DIRECT_DATABASE_URL || process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DIRECT_DATABASE_URL or DATABASE_URL must be set for Prisma commands (see .env.example); `npm start` sets them for its embedded PostgreSQL.',
    );
  }
  return url;
}

export default defineConfig({
  schema: path.join('prisma', 'schema'),
  migrations: {
    path: path.join('prisma', 'migrations'),
    seed: 'ts-node --transpile-only -r tsconfig-paths/register prisma/seed.ts',
  },
  // 2. Use the WASM schema engine, driven through the pg driver adapter, instead of the native one.
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    const { host, port, user, password, database, ssl } = parse(migrationDatabaseUrl());
    return new PrismaPg({
      // 4. Discrete fields, not a connectionString: the adapter builds the shadow database's config
      //    as { ...config, database }, which a connectionString would override.
      host: host ?? undefined,
      port: port ? Number(port) : undefined,
      user,
      password,
      database: database ?? undefined,
      ssl: ssl as never,
      //    ...and the shadow database is dropped WITH (FORCE) without crashing on the disconnect.
      Client: ShadowDatabaseSafePgClient,
    });
  },
  // 3. pg_catalog's name/char columns: adapter-pg is patched at install (scripts/patch-prisma.js),
  //    since the adapter has no column type a pg.Client could report for `char`.
});

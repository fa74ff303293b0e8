import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import {
  AppConfigModule,
  loadEnvironment,
  MetricsModule,
  RequestContext,
  type AppEnvironment,
} from '@itinera/platform';
import { PrismaModule } from '@itinera/prisma';
import { PatientKeyRotation, PatientKeyRotationModule, type ReencryptionResult } from '@itinera/patient-repository';

/** Only what re-encryption needs: configuration (the key ring), the database and the audit writer. */
@Module({})
class PatientsReencryptModule {
  static forRoot(env: AppEnvironment): DynamicModule {
    return {
      module: PatientsReencryptModule,
      imports: [AppConfigModule.forRoot(env), MetricsModule, PrismaModule, PatientKeyRotationModule],
    };
  }
}

/**
 * Re-encrypts every patient value not under the newest key of ENCRYPTION_KEYS, in a Nest context
 * of its own (no HTTP, no queues). The audit log names the SYSTEM as the actor.
 */
export async function reencryptPatientRecords(
  env: AppEnvironment,
  options: { batchSize?: number } = {},
): Promise<ReencryptionResult> {
  const app = await NestFactory.createApplicationContext(PatientsReencryptModule.forRoot(env), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    return await RequestContext.run(
      { requestId: `patients-reencrypt-${randomUUID()}`, actor: { type: 'SYSTEM' } },
      () => app.get(PatientKeyRotation).run(options),
    );
  } finally {
    await app.close();
  }
}

const USAGE = 'usage: npm run patients:reencrypt [-- --batch-size <1..5000>]';

function parseBatchSize(args: string[]): number | undefined {
  if (args.length === 0) return undefined;
  const [flag, value] = args[0].includes('=') ? args[0].split('=', 2) : [args[0], args[1]];
  const size = Number(value);
  if (
    flag !== '--batch-size' ||
    args.length > (args[0].includes('=') ? 1 : 2) ||
    !Number.isInteger(size) ||
    size < 1 ||
    size > 5000
  ) {
    throw new Error(USAGE);
  }
  return size;
}

/**
 * `npm run patients:reencrypt`: prints what moved per tenant and in all; exit 0 when done (also
 * when nothing was stale), 1 when a value could not be re-encrypted, 2 on bad arguments, 78 on
 * bad configuration.
 */
async function main(): Promise<void> {
  let batchSize: number | undefined;
  try {
    batchSize = parseBatchSize(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  let env: AppEnvironment;
  try {
    env = loadEnvironment();
  } catch (error) {
    process.stderr.write(`patients:reencrypt: ${(error as Error).message}\n`);
    process.exit(78);
  }
  try {
    const started = performance.now();
    const result = await reencryptPatientRecords(env, { batchSize });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    for (const { tenantId, counts } of result.tenants) {
      process.stdout.write(
        `tenant ${tenantId}: ${counts.repositories} personal information, ${counts.entries} entries, ${counts.entryVersions} entry versions\n`,
      );
    }
    process.stdout.write(
      `re-encrypted under key ${result.keyId}: ${result.repositories} personal information, ${result.entries} entries, ` +
        `${result.entryVersions} entry versions in ${result.tenants.length} tenant(s), ${seconds} s\n`,
    );
  } catch (error) {
    process.stderr.write(`patients:reencrypt failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();

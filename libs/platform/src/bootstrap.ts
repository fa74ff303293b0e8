import type { INestApplication } from '@nestjs/common';
import { loadEnvironment, type AppEnvironment } from './config/config.schema';

/**
 * The entry point of a process (api or worker): validates the configuration first (a bad value
 * stops the process naming the variable, with no stack trace), starts the app, and bounds the
 * graceful shutdown: Nest drains HTTP and lets running jobs finish on SIGTERM/SIGINT, and if that
 * takes longer than SHUTDOWN_GRACE_MS the process exits anyway.
 */
export async function bootstrapApplication(
  name: string,
  start: (env: AppEnvironment) => Promise<INestApplication>,
): Promise<void> {
  let env: AppEnvironment;
  try {
    env = loadEnvironment();
  } catch (error) {
    process.stderr.write(`itinera ${name}: ${(error as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`itinera ${name}: shutdown took longer than ${env.SHUTDOWN_GRACE_MS} ms; exiting\n`);
        process.exit(1);
      }, env.SHUTDOWN_GRACE_MS).unref();
    });
  }
  try {
    await start(env);
  } catch (error) {
    process.stderr.write(`itinera ${name}: failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

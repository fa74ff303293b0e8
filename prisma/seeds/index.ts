import type { PrismaClient } from '@prisma/client';
import { identitySeed } from './identity';
import { patientsSeed } from './patients';
import { workflowsSeed } from './workflows';

/** One domain's demonstration data; `run` must be idempotent (upserts), so seeding twice is harmless. */
export interface Seed {
  name: string;
  /** Creates the data and returns a one-line summary (including local credentials, if any). */
  run(prisma: PrismaClient): Promise<string>;
}

/** In dependency order: tenants and users first, then each domain. */
export const seeds: Seed[] = [identitySeed, workflowsSeed, patientsSeed];

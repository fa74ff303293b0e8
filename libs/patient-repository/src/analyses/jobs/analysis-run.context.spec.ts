import type { Job } from 'bull';
import type { PrismaService } from '@itinera/prisma';
import { AnalysisCancelled } from '../analyser';
import { AnalysisRunContext, AttemptEnded, type ClaimedAnalysis } from './analysis-run.context';

const claim: ClaimedAnalysis = {
  id: '00000000-0000-4000-8000-000000000001',
  tenant_id: '00000000-0000-4000-8000-000000000002',
  repository_id: '00000000-0000-4000-8000-000000000003',
  kind: 'RECORD_SUMMARY',
  requested_by: '00000000-0000-4000-8000-000000000004',
  requested_by_type: 'PATIENT',
  role: 'PATIENT',
  attempts: 2,
  cancel_requested_at: null,
};

function contextWith(row: { attempts: number; cancel: boolean } | undefined, deadline = Date.now() + 60_000) {
  const statements: { sql: string; values: readonly unknown[] }[] = [];
  const prisma = {
    tenantQuery: jest.fn(async (sql: string, values: readonly unknown[]) => {
      statements.push({ sql, values });
      return sql.trim().startsWith('SELECT') ? (row ? [row] : []) : [];
    }),
  } as unknown as PrismaService;
  const job = { progress: jest.fn(async () => undefined) } as unknown as Job;
  return { context: new AnalysisRunContext(prisma, job, claim, deadline), statements, job };
}

describe('AnalysisRunContext', () => {
  afterEach(() => jest.useRealTimers());

  it('writes progress at most once per interval, clamped below 100, and leaves 100 to the completion', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { context, statements, job } = contextWith({ attempts: 2, cancel: false });
    await context.progress(10); // too soon after the start
    jest.setSystemTime(1_000_250);
    await context.progress(42.4);
    await context.progress(50); // too soon after the last write
    jest.setSystemTime(1_000_600);
    await context.progress(100);
    jest.setSystemTime(1_001_000);
    await context.progress(250);
    expect(statements.map((s) => s.values)).toEqual([[claim.id, 2, 42]]);
    expect((job.progress as jest.Mock).mock.calls).toEqual([[42]]);
  });

  it('throws AnalysisCancelled at a checkpoint once cancellation was asked for', async () => {
    jest.useFakeTimers({ now: 2_000_000 });
    const { context } = contextWith({ attempts: 2, cancel: true });
    await expect(context.checkpoint()).resolves.toBeUndefined(); // not read yet: too soon
    jest.setSystemTime(2_000_300);
    await expect(context.checkpoint()).rejects.toBeInstanceOf(AnalysisCancelled);
  });

  it('ends quietly when a newer attempt took the analysis over', async () => {
    jest.useFakeTimers({ now: 3_000_000 });
    const { context } = contextWith({ attempts: 3, cancel: false });
    jest.setSystemTime(3_000_300);
    await expect(context.checkpoint()).rejects.toEqual(new AttemptEnded('SUPERSEDED'));
  });

  it('ends the attempt with TIMEOUT at the first checkpoint past the deadline, without a statement', async () => {
    jest.useFakeTimers({ now: 4_000_000 });
    const { context, statements } = contextWith({ attempts: 2, cancel: false }, 4_000_100);
    jest.setSystemTime(4_000_200);
    await expect(context.checkpoint()).rejects.toEqual(new AttemptEnded('TIMEOUT'));
    expect(statements).toEqual([]);
  });

  it('does nothing for an analyser still reporting after its attempt ended', async () => {
    jest.useFakeTimers({ now: 5_000_000 });
    const { context, statements } = contextWith({ attempts: 2, cancel: false });
    context.end();
    jest.setSystemTime(5_001_000);
    await context.progress(50);
    await expect(context.checkpoint()).rejects.toBeInstanceOf(AttemptEnded);
    expect(statements).toEqual([]);
  });
});

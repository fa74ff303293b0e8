import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { AppError, PlatformErrorCode } from './app-error';
import { toProblem } from './problem-mapper';

const prismaError = (code: string, meta?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError('boom: SELECT secret FROM users', { code, clientVersion: '6.19.3', meta });

describe('toProblem', () => {
  it('keeps an AppError as thrown', () => {
    const p = toProblem(new AppError('WORKFLOW_NOT_ACTIVE', 409, 'Conflict', { detail: 'The workflow is cancelled.' }));
    expect(p).toMatchObject({
      status: 409,
      code: 'WORKFLOW_NOT_ACTIVE',
      detail: 'The workflow is cancelled.',
      isServerFault: false,
    });
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x'))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      detail: 'Cannot GET /x',
    });
    expect(toProblem(new HttpException('Request body is too large', 413))).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(toProblem(new BadRequestException())).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });

  it('never passes a 5xx HTTP exception message through', () => {
    expect(toProblem(new HttpException('db password is hunter2', 500))).toMatchObject({
      status: 500,
      code: 'INTERNAL_ERROR',
    });
    expect(toProblem(new HttpException('db password is hunter2', 500)).detail).not.toContain('hunter2');
  });

  it('maps a 429 from the HTTP layer to RATE_LIMITED', () => {
    expect(toProblem(new HttpException('slow down', 429))).toMatchObject({
      status: 429,
      code: PlatformErrorCode.RateLimited,
    });
  });

  it.each([
    ['P2002', 409, 'CONFLICT'],
    ['P2025', 404, 'NOT_FOUND'],
    ['P2003', 409, 'REFERENCE_CONFLICT'],
    ['P2000', 400, 'VALIDATION_FAILED'],
    ['P2023', 400, 'VALIDATION_FAILED'],
    ['P2034', 409, 'CONFLICT'],
    ['P2024', 503, 'SERVICE_UNAVAILABLE'],
    ['P2999', 500, 'INTERNAL_ERROR'],
  ])('maps Prisma %s to %i %s without leaking the message', (code, status, problemCode) => {
    const p = toProblem(prismaError(code));
    expect(p).toMatchObject({ status, code: problemCode });
    expect(JSON.stringify(p)).not.toContain('SELECT');
  });

  it('names the fields of a unique violation', () => {
    const p = toProblem(prismaError('P2002', { target: ['domain'] }));
    expect(p.errors).toEqual([{ field: 'domain', message: 'is already taken' }]);
  });

  it('maps raw PostgreSQL errors by SQLSTATE', () => {
    const pg = (code: string) => Object.assign(new Error('x'), { code, severity: 'ERROR' });
    expect(toProblem(pg('23505')).status).toBe(409);
    expect(toProblem(pg('22P02')).status).toBe(400);
    expect(toProblem(pg('40P01')).status).toBe(409);
    expect(toProblem(pg('57P01')).status).toBe(503);
    expect(toProblem(pg('XX000')).status).toBe(500);
  });

  it('answers 503 when a dependency connection is lost', () => {
    expect(toProblem(new Error('Connection terminated unexpectedly'))).toMatchObject({
      status: 503,
      headers: { 'retry-after': '5' },
    });
    expect(toProblem(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })).status).toBe(503);
  });

  it('maps Fastify client errors by code and hides anything else as 500', () => {
    const fastify = (code: string, statusCode: number) =>
      Object.assign(new Error('fastify says'), { code, statusCode });
    expect(toProblem(fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toProblem(fastify('FST_ERR_SOMETHING_NEW', 400)).code).toBe('BAD_REQUEST');
    expect(toProblem(new TypeError('cannot read x of undefined'))).toMatchObject({ status: 500, isServerFault: true });
    expect(toProblem('a string was thrown').status).toBe(500);
  });
});

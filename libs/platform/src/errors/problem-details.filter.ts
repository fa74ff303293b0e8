import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problemType, type ProblemDetails } from './problem-details';
import { toProblem } from './problem-mapper';

const logger = new Logger('ProblemDetails');

/** Writes `error` to `reply` as RFC 9457 problem details; shared by the Nest filter and Fastify's error handler. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const p = toProblem(error);
  if (p.isServerFault) {
    logger.error({ err: error, requestId: request.id, code: p.code }, `${request.method} ${request.url} failed`);
  }
  const body: ProblemDetails = {
    type: problemType(p.code),
    title: p.title,
    status: p.status,
    ...(p.detail ? { detail: p.detail } : {}),
    instance: request.url.split('?')[0],
    code: p.code,
    requestId: String(request.id),
    ...(p.errors?.length ? { errors: p.errors } : {}),
    ...p.extensions,
  };
  if (reply.sent) return;
  reply
    .status(p.status)
    .headers(p.headers ?? {})
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(body);
}

/** The one exception filter: every error a route throws leaves as problem details. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}

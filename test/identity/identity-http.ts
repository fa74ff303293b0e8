import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Response as InjectResponse } from 'light-my-request';
import { Secret, TOTP } from 'otpauth';
import { Client } from 'pg';
import { asOwner } from '../support/identity-fixtures';

/**
 * Requests for the identity e2e tests. Every response passes through `checked`, which holds the
 * rules every answer obeys: never a 5xx, and every error is problem details whose status and
 * request id match the response. A test then only states what is specific to it.
 */

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  /** The client address the app sees (the login throttle and rate limits count per address). */
  ip?: string;
}

export type ApiResponse = InjectResponse;

export function checked(response: ApiResponse): ApiResponse {
  const where = `${response.raw.req.method} ${response.raw.req.url} → ${response.statusCode}: ${response.body}`;
  if (response.statusCode >= 500) throw new Error(`server error: ${where}`);
  if (response.statusCode >= 400) {
    if (!String(response.headers['content-type']).startsWith('application/problem+json')) {
      throw new Error(`an error that is not problem details: ${where}`);
    }
    const body = response.json();
    if (body.status !== response.statusCode || typeof body.code !== 'string' || !body.type || !body.title) {
      throw new Error(`malformed problem details: ${where}`);
    }
    if (body.requestId !== response.headers['x-request-id'])
      throw new Error(`problem without its request id: ${where}`);
  }
  return response;
}

export async function call(
  app: NestFastifyApplication,
  method: Method,
  url: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const headers = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers };
  const response = await app.inject({
    method,
    url,
    headers,
    ...(body === undefined ? {} : { payload: body as object }),
    ...(options.ip ? { remoteAddress: options.ip } : {}),
  });
  return checked(response);
}

/** Asserts the problem's status (and code, when given) and returns its body. */
export function expectProblem(response: ApiResponse, status: number, code?: string): Record<string, any> {
  expect([response.statusCode, response.body]).toEqual([status, expect.any(String)]);
  const body = response.json();
  if (code) expect(body.code).toBe(code);
  return body;
}

/** 401 for missing or bad credentials, with the challenge RFC 9110 requires. */
export function expectUnauthenticated(response: ApiResponse): Record<string, any> {
  const body = expectProblem(response, 401, 'UNAUTHENTICATED');
  expect(response.headers['www-authenticate']).toBe('Bearer realm="itinera"');
  return body;
}

export function expectStatus(response: ApiResponse, status: number): ApiResponse {
  expect([response.statusCode, response.body]).toEqual([status, expect.anything()]);
  return response;
}

/** The problem body without what differs per request, to compare two answers. */
export function withoutRequestId(body: Record<string, unknown>): Record<string, unknown> {
  const { requestId: _requestId, ...rest } = body;
  return rest;
}

/** A fresh client address per test, so per-address counters (throttle, rate limits) start at zero. */
let addresses = 0;
export function newIp(): string {
  addresses++;
  return `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`;
}

/** The actions of the audit entries about `resourceId`, oldest first (read as the owner: no RLS). */
export async function auditActions(resourceId: string): Promise<string[]> {
  const { rows } = await asOwner((c: Client) =>
    c.query<{ action: string }>('SELECT action FROM audit_log WHERE resource_id = $1 ORDER BY occurred_at, seq', [
      resourceId,
    ]),
  );
  return rows.map((r) => r.action);
}

const PERIOD_MS = 30_000;

/** The current 30-second TOTP time step. */
export function totpStep(): number {
  return Math.floor(Date.now() / PERIOD_MS);
}

/**
 * The code an authenticator app with `secret` shows during time step `step`. Tests name steps
 * absolutely (from `totpStep()`), so a step boundary passing mid-test shifts nothing: the server
 * accepts the steps next to its current one, and each step once.
 */
export function totpCode(secret: string, step: number): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate({ timestamp: step * PERIOD_MS + 1_000 });
}

/** Waits, if need be, until at least `neededMs` remain of the current step. */
export async function awaitTotpStepWith(neededMs: number): Promise<void> {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

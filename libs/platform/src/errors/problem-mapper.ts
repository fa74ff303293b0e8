import { HttpException, HttpStatus } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { STATUS_CODES } from 'node:http';
import { AppError, PlatformErrorCode } from './app-error';
import type { FieldError } from './problem-details';

/** A problem before the request-specific members (instance, requestId) are added. */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  errors?: FieldError[];
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Server faults are logged with their stack; client errors are not. */
  isServerFault: boolean;
}

const CODE_BY_STATUS: Record<number, PlatformErrorCode> = {
  400: PlatformErrorCode.BadRequest,
  401: PlatformErrorCode.Unauthorized,
  403: PlatformErrorCode.Forbidden,
  404: PlatformErrorCode.NotFound,
  405: PlatformErrorCode.MethodNotAllowed,
  409: PlatformErrorCode.Conflict,
  413: PlatformErrorCode.PayloadTooLarge,
  415: PlatformErrorCode.UnsupportedMediaType,
  422: PlatformErrorCode.InvalidState,
  429: PlatformErrorCode.RateLimited,
  503: PlatformErrorCode.ServiceUnavailable,
};

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

function problem(status: number, code: string, detail?: string, extra: Partial<Problem> = {}): Problem {
  return {
    status,
    code,
    title: titleOf(status),
    detail,
    isServerFault: status >= 500,
    ...extra,
  };
}

const internal = (): Problem =>
  problem(
    500,
    PlatformErrorCode.InternalError,
    'The server failed to handle the request. Quote the request id when reporting it.',
  );

const unavailable = (): Problem =>
  problem(503, PlatformErrorCode.ServiceUnavailable, 'A service the API depends on is unavailable. Retry later.', {
    headers: { 'retry-after': '5' },
    isServerFault: true,
  });

/** Fastify's own client errors (raised before a route handler runs), by error code. */
const FASTIFY_ERRORS: Record<string, { status: number; code: PlatformErrorCode; detail?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: PlatformErrorCode.MalformedBody,
    detail: 'The body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: PlatformErrorCode.MalformedBody,
    detail: 'The body is empty but Content-Type says JSON.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: PlatformErrorCode.PayloadTooLarge,
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: PlatformErrorCode.UnsupportedMediaType,
  },
  // Raised by the router (see fastifyOptions' frameworkErrors); the URL itself is not echoed.
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: PlatformErrorCode.BadRequest,
    detail: 'A path segment is longer than 100 characters.',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: PlatformErrorCode.BadRequest,
    detail: 'The URL is malformed (bad percent-encoding).',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: PlatformErrorCode.BadRequest,
    detail: 'Content-Length does not match the body.',
  },
};

function fromFastifyError(error: Error & { code?: string; statusCode?: number }): Problem | undefined {
  const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
  if (known) return problem(known.status, known.code, known.detail ?? error.message);
  // JSON.parse failures surface as SyntaxError with a 400 status on some Fastify paths.
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return problem(400, PlatformErrorCode.MalformedBody, 'The body is not valid JSON.');
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return problem(error.statusCode, CODE_BY_STATUS[error.statusCode] ?? PlatformErrorCode.BadRequest, error.message);
  }
  return undefined;
}

function fromHttpException(error: HttpException): Problem {
  const status = error.getStatus();
  if (status >= 500 && status !== HttpStatus.SERVICE_UNAVAILABLE) return internal();
  const response = error.getResponse();
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : undefined;
  return problem(status, CODE_BY_STATUS[status] ?? PlatformErrorCode.BadRequest, detail);
}

/** The constraint fields of a Prisma unique/foreign-key error, as the driver adapter reports them. */
function constraintFields(error: Prisma.PrismaClientKnownRequestError): string[] {
  const meta = error.meta as
    | {
        target?: unknown;
        driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } };
      }
    | undefined;
  if (Array.isArray(meta?.target)) return meta.target.map(String);
  return meta?.driverAdapterError?.cause?.constraint?.fields?.map((f) => f.replace(/"/g, '')) ?? [];
}

function fromPrismaKnownError(error: Prisma.PrismaClientKnownRequestError): Problem {
  switch (error.code) {
    case 'P2002': {
      const fields = constraintFields(error);
      return problem(
        409,
        PlatformErrorCode.Conflict,
        fields.length
          ? `A record with the same ${fields.join(', ')} already exists.`
          : 'A record with the same values already exists.',
        {
          errors: fields.map((field) => ({
            field,
            message: 'is already taken',
          })),
        },
      );
    }
    case 'P2025':
    case 'P2015':
    case 'P2018':
      return problem(404, PlatformErrorCode.NotFound, 'The resource does not exist.');
    case 'P2003':
    case 'P2014':
      return problem(
        409,
        PlatformErrorCode.ReferenceConflict,
        'The change refers to a record that does not exist or is still in use.',
      );
    case 'P2000':
      return problem(400, PlatformErrorCode.ValidationFailed, 'A value is too long for its field.');
    case 'P2006':
    case 'P2007':
    case 'P2019':
    case 'P2020':
    case 'P2023':
      return problem(400, PlatformErrorCode.ValidationFailed, 'A value has the wrong format or is out of range.');
    case 'P2034':
      return problem(
        409,
        PlatformErrorCode.Conflict,
        'The change collided with a concurrent change. Retry the request.',
      );
    case 'P2024':
    case 'P1001':
    case 'P1002':
    case 'P1008':
    case 'P1017':
      return unavailable();
    default:
      return internal();
  }
}

/** SQLSTATE classes from raw `pg` queries (hot paths that bypass Prisma). */
function fromPostgresError(error: { code: string }): Problem {
  const { code } = error;
  if (code === '23505')
    return problem(409, PlatformErrorCode.Conflict, 'A record with the same values already exists.');
  if (code === '23503') {
    return problem(
      409,
      PlatformErrorCode.ReferenceConflict,
      'The change refers to a record that does not exist or is still in use.',
    );
  }
  if (code === '22021' || code === '22P05') {
    return problem(
      400,
      PlatformErrorCode.ValidationFailed,
      'A value contains a character that cannot be stored (such as NUL).',
    );
  }
  if (
    code === '23514' ||
    code === '23502' ||
    code === '22001' ||
    code === '22003' ||
    code === '22P02' ||
    code === '22007' ||
    code === '22008'
  ) {
    return problem(400, PlatformErrorCode.ValidationFailed, 'A value has the wrong format or is out of range.');
  }
  if (code === '40001' || code === '40P01') {
    return problem(409, PlatformErrorCode.Conflict, 'The change collided with a concurrent change. Retry the request.');
  }
  if (code.startsWith('08') || code === '53300' || code === '57P01' || code === '57P03' || code === '57014')
    return unavailable();
  return internal();
}

function isPostgresError(error: unknown): error is { code: string; severity: string } {
  const e = error as { code?: unknown; severity?: unknown };
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';
}

/** Driver-adapter error kinds that mean "the database is not reachable right now". */
const UNREACHABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'SocketTimeout',
  'ConnectionClosed',
  'TooManyConnections',
  'TlsConnectionError',
]);

/**
 * The database or Redis went away: socket error codes, pg's own messages for a connection cut
 * mid-query (they carry no code), and Prisma's driver-adapter error kinds.
 */
function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; name?: unknown; cause?: { kind?: unknown } };
  if (
    typeof e?.code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(e.code)
  ) {
    return true;
  }
  if (e?.name === 'DriverAdapterError' && typeof e.cause?.kind === 'string' && UNREACHABLE_KINDS.has(e.cause.kind))
    return true;
  return (
    typeof e?.message === 'string' &&
    /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(
      e.message,
    )
  );
}

/** Turns anything thrown while handling a request into the problem the client receives. */
export function toProblem(error: unknown): Problem {
  if (error instanceof AppError) {
    return {
      status: error.status,
      code: error.code,
      title: error.title,
      detail: error.detail,
      errors: error.errors,
      extensions: error.extensions,
      headers: error.headers,
      isServerFault: error.status >= 500,
    };
  }
  if (error instanceof HttpException) return fromHttpException(error);
  if (error instanceof Prisma.PrismaClientKnownRequestError) return fromPrismaKnownError(error);
  if (error instanceof Prisma.PrismaClientInitializationError) return unavailable();
  if (isPostgresError(error)) return fromPostgresError(error);
  if (isConnectionError(error)) return unavailable();
  if (error instanceof Error) return fromFastifyError(error) ?? internal();
  return internal();
}

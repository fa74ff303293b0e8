import type { FieldError } from './problem-details';

export interface AppErrorOptions {
  /** What went wrong in this occurrence, for a person. */
  detail?: string;
  /** Field errors, for validation problems. */
  errors?: FieldError[];
  /** Extra members added to the problem body (must not carry secrets or internals). */
  extensions?: Record<string, unknown>;
  /** Response headers to send with the problem (e.g. `Retry-After`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error the API answers with a problem: services throw it (or a domain subclass) with a code and
 * an HTTP status, and the problem-details filter turns it into the response. Domain libraries
 * declare their codes in a `<domain>.errors.ts` enum, one JSDoc line per code.
 */
export class AppError extends Error {
  readonly detail?: string;
  readonly errors?: FieldError[];
  readonly extensions?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    options: AppErrorOptions = {},
  ) {
    super(options.detail ?? title, { cause: options.cause });
    this.name = 'AppError';
    this.detail = options.detail;
    this.errors = options.errors;
    this.extensions = options.extensions;
    this.headers = options.headers;
  }
}

/** Codes of the problems the platform itself answers with. */
export enum PlatformErrorCode {
  /** The body, query or path parameters failed validation; `errors` names the fields. */
  ValidationFailed = 'VALIDATION_FAILED',
  /** The body is not valid JSON. */
  MalformedBody = 'MALFORMED_BODY',
  /** The body is larger than BODY_LIMIT_BYTES. */
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  /** The Content-Type of the body is not one the route accepts. */
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  /** No route matches the method and path, or the resource does not exist. */
  NotFound = 'NOT_FOUND',
  /** The route exists but not for this method. */
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  /** The change conflicts with existing data (e.g. a unique value already taken). */
  Conflict = 'CONFLICT',
  /** The change refers to a row that does not exist or is still referenced. */
  ReferenceConflict = 'REFERENCE_CONFLICT',
  /** The change is not allowed in the resource's current state. */
  InvalidState = 'INVALID_STATE',
  /** A pagination cursor that this API did not issue, or for another query. */
  InvalidCursor = 'INVALID_CURSOR',
  /** Too many requests; `Retry-After` says when to try again. */
  RateLimited = 'RATE_LIMITED',
  /** Credentials are missing or invalid. */
  Unauthorized = 'UNAUTHORIZED',
  /** The caller is known but may not do this. */
  Forbidden = 'FORBIDDEN',
  /** Any other client error reported by the HTTP layer. */
  BadRequest = 'BAD_REQUEST',
  /** A dependency (database, Redis) is unavailable; retry later. */
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  /** The server failed; nothing about it is disclosed beyond the request id. */
  InternalError = 'INTERNAL_ERROR',
}

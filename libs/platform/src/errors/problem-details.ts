import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One wrong field of a request, as reported in a 400 problem. */
export class FieldError {
  /** Path of the field in the request, e.g. `recipients[0].email` or `query.limit`. */
  @ApiProperty({ example: 'limit' })
  field!: string;

  /** What is wrong with it, for a person. */
  @ApiProperty({ example: 'must not be greater than 100' })
  message!: string;
}

/**
 * RFC 9457 problem details: the body of every error response (`application/problem+json`).
 * `code`, `requestId` and `errors` are extension members.
 */
export class ProblemDetails {
  /** A URI naming the kind of problem; stable, one per `code`. */
  @ApiProperty({ example: 'urn:itinera:problem:validation-failed' })
  type!: string;

  /** Short summary of the kind of problem (the same for every occurrence). */
  @ApiProperty({ example: 'Validation failed' })
  title!: string;

  /** The HTTP status code. */
  @ApiProperty({ type: 'integer', example: 400 })
  status!: number;

  /** What went wrong in this occurrence, for a person. */
  @ApiPropertyOptional({ example: 'The request has 1 invalid field.' })
  detail?: string;

  /** The request path that produced the problem. */
  @ApiProperty({ example: '/admin/outbox' })
  instance!: string;

  /** Machine-readable code of the problem, e.g. `VALIDATION_FAILED`. */
  @ApiProperty({ example: 'VALIDATION_FAILED' })
  code!: string;

  /** The request id (also in the `x-request-id` response header); quote it when reporting a problem. */
  @ApiProperty({ example: '0f9d5c62-2b53-4c5c-9d0c-7f6a2f0f3f0e' })
  requestId!: string;

  /** The fields that are wrong (validation problems only). */
  @ApiPropertyOptional({ type: [FieldError] })
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Builds the `type` URI of a problem from its code: `NOT_FOUND` -> `urn:itinera:problem:not-found`. */
export function problemType(code: string): string {
  return `urn:itinera:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

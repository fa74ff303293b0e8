import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { PageInfo } from '../pagination/page';
import { PROBLEM_CONTENT_TYPE, ProblemDetails } from '../errors/problem-details';

/** The OpenAPI response of a problem: `application/problem+json` with the shared schema. */
export function problemResponse(description: string) {
  return {
    description,
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(ProblemDetails) },
      },
    },
  };
}

/**
 * Declares the problems a route answers with beyond the ones every route gets (see
 * `addCommonProblemResponses`): `@ApiProblems({ 404: 'No such message', 409: 'Not dead' })`.
 */
export function ApiProblems(problems: Record<number, string>) {
  return applyDecorators(
    ApiExtraModels(ProblemDetails),
    ...Object.entries(problems).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        ...problemResponse(description || STATUS_CODES[Number(status)] || ''),
      }),
    ),
  );
}

/** Declares a cursor page of `item` as the 200 response: `{ data: item[], page: PageInfo }`. */
export function ApiPageResponse(item: Type<unknown>, description = 'One page of results') {
  return applyDecorators(
    ApiExtraModels(PageInfo, item),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['data', 'page'],
        properties: {
          data: { type: 'array', items: { $ref: getSchemaPath(item) } },
          page: { $ref: getSchemaPath(PageInfo) },
        },
      },
    }),
  );
}

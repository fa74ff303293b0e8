import { ParseUUIDPipe } from '@nestjs/common';
import { validationFailed } from './request-validation.pipe';

/** `@Param('id', uuidParam('id'))`: a malformed id is a 400 naming the parameter, not a 404 or a database error. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({ exceptionFactory: () => validationFailed([{ field: name, message: 'must be a UUID' }]) });
}

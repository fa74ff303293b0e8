import { ApiHeader, ApiParam } from '@nestjs/swagger';
import { LINK_VERIFICATION_HEADER } from './recipient-link.resolver';

/** OpenAPI pieces every public link route shares. */
export const TOKEN_PARAM = ApiParam({
  name: 'token',
  description: 'The secret link token (32 lower-case Base32 characters).',
});

export const GRANT_HEADER = ApiHeader({
  name: LINK_VERIFICATION_HEADER,
  required: false,
  description: 'The verification token from POST /r/{token}/verification/confirm, for recipients that must verify.',
});

export const DEAD_LINK =
  'No such link, or it is no longer valid (unknown, replaced, expired, cancelled): always the same answer.';

import type { ApiBodyOptions } from '@nestjs/swagger';

/** The OpenAPI body of an upload: one part named `file`. */
export const UPLOAD_BODY: ApiBodyOptions = {
  schema: {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string', format: 'binary', description: 'The file, with its media type' } },
  },
};

/** The upload route's problems, shared with the link route. */
export const UPLOAD_PROBLEMS = {
  400: 'No file part, or an empty file',
  409: 'The workflow is not ACTIVE or has expired',
  413: 'The file is larger than ATTACHMENT_MAX_BYTES',
  415: 'Not multipart/form-data, or the declared type is not allowed',
  422: 'The content does not match the declared type',
};

/** The download route's problems, shared with the link route. */
export const DOWNLOAD_PROBLEMS = {
  404: 'No such attachment',
  409: 'Not scanned clean (the problem carries scanStatus)',
  410: 'The content was purged by retention',
  500: 'Integrity check failed: the stored content does not match its checksum',
};

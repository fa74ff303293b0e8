import { AppError, PlatformErrorCode } from '@itinera/platform';

/** Codes of the problems the attachment routes answer with (besides NOT_FOUND and the workflow's own). */
export enum AttachmentErrorCode {
  /** The upload is not multipart/form-data, or its file's declared type is not in ATTACHMENT_ALLOWED_TYPES. */
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  /** The file is larger than ATTACHMENT_MAX_BYTES. */
  TooLarge = 'PAYLOAD_TOO_LARGE',
  /** The multipart body has no `file` part, or the file is empty. */
  ValidationFailed = 'VALIDATION_FAILED',
  /** The multipart body cannot be parsed (no boundary, ends inside a part, connection cut). */
  MalformedBody = 'MALFORMED_BODY',
  /** The file's bytes do not match its declared type (magic bytes; UTF-8 without NUL for text/plain). */
  ContentMismatch = 'CONTENT_MISMATCH',
  /** The attachment has not been scanned clean (PENDING or INFECTED): its content cannot be downloaded. */
  NotClean = 'ATTACHMENT_NOT_CLEAN',
  /** Retention deleted the attachment's content; the row and its checksum remain. */
  Purged = 'ATTACHMENT_PURGED',
  /** The stored content no longer matches the checksum recorded at upload: nothing is sent. */
  IntegrityFailed = 'ATTACHMENT_INTEGRITY_FAILED',
  /** The session no longer takes uploads (not ACTIVE, or past its expiry). */
  SessionClosed = 'INVALID_STATE',
  /** The uploading recipient is finished or it is not their turn. */
  NotYourTurn = 'NOT_YOUR_TURN',
}

export const attachmentNotFound = () =>
  new AppError(PlatformErrorCode.NotFound, 404, 'Not Found', { detail: 'No such attachment.' });

export const notMultipart = () =>
  new AppError(AttachmentErrorCode.UnsupportedMediaType, 415, 'Unsupported Media Type', {
    detail: 'Upload the file as multipart/form-data with a part named "file".',
  });

export const typeNotAllowed = (fileName: string, declared: string, allowed: string[]) =>
  new AppError(AttachmentErrorCode.UnsupportedMediaType, 415, 'Unsupported Media Type', {
    detail: `${fileName}: type ${JSON.stringify(declared)} is not accepted (allowed: ${allowed.join(', ')}).`,
    extensions: { fileName, fileType: declared, allowedTypes: allowed },
  });

export const fileTooLarge = (maxBytes: number) =>
  new AppError(AttachmentErrorCode.TooLarge, 413, 'Payload Too Large', {
    detail: `The file is larger than the limit of ${maxBytes} bytes.`,
    extensions: { maxBytes },
  });

export const fileMissing = () =>
  new AppError(AttachmentErrorCode.ValidationFailed, 400, 'Bad Request', {
    detail: 'The multipart body has no file.',
    errors: [{ field: 'file', message: 'is required' }],
  });

export const malformedMultipart = (reason: string) =>
  new AppError(AttachmentErrorCode.MalformedBody, 400, 'Malformed body', {
    detail: `The multipart body could not be read: ${reason}.`,
  });

/** A parser error as the problem to answer: its own 4xx (limits) when it has one, else a malformed body. */
export function multipartProblem(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return error;
  return malformedMultipart(error instanceof Error ? error.message : 'unreadable');
}

export const fileEmpty = (fileName: string) =>
  new AppError(AttachmentErrorCode.ValidationFailed, 400, 'Bad Request', {
    detail: `${fileName} is empty.`,
    errors: [{ field: 'file', message: 'must not be empty' }],
  });

export const contentMismatch = (fileName: string, declared: string, reason: string) =>
  new AppError(AttachmentErrorCode.ContentMismatch, 422, 'Unprocessable Content', {
    detail: `${fileName}: the content does not match the declared type ${declared} (${reason}).`,
    extensions: { fileName, fileType: declared },
  });

export const notClean = (scanStatus: string) =>
  new AppError(AttachmentErrorCode.NotClean, 409, 'Conflict', {
    detail:
      scanStatus === 'PENDING'
        ? 'The attachment has not been scanned yet; try again shortly.'
        : `The attachment is ${scanStatus}; its content cannot be downloaded.`,
    extensions: { scanStatus },
  });

export const attachmentPurged = () =>
  new AppError(AttachmentErrorCode.Purged, 410, 'Gone', {
    detail: "The attachment's content was deleted by the retention policy.",
  });

export const integrityFailed = () =>
  new AppError(AttachmentErrorCode.IntegrityFailed, 500, 'Internal Server Error', {
    detail: 'Integrity check failed: the stored content does not match its checksum. Nothing was sent.',
  });

export const sessionClosed = (status: string, expired: boolean) =>
  new AppError(AttachmentErrorCode.SessionClosed, 409, 'Conflict', {
    detail: expired
      ? 'The workflow has expired; it takes no more attachments.'
      : `The workflow is ${status}; only an ACTIVE workflow takes attachments.`,
    extensions: { status: expired && status === 'ACTIVE' ? 'EXPIRED' : status },
  });

export const uploaderNotCurrent = () =>
  new AppError(AttachmentErrorCode.NotYourTurn, 409, 'Conflict', {
    detail: 'Only the recipient whose turn it is may upload attachments.',
  });

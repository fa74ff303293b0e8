import { AppError, PlatformErrorCode } from '@itinera/platform';

/** Codes of the problems the recipient link routes answer with (besides NOT_FOUND and VALIDATION_FAILED). */
export enum RecipientLinkErrorCode {
  /** The recipient already completed or declined; a link acts once. */
  RecipientFinished = 'RECIPIENT_FINISHED',
  /** It is another recipient's turn (order_index differs from the session's current_recipient_order). */
  NotYourTurn = 'NOT_YOUR_TURN',
  /** The recipient must confirm a one-time code first; send its grant as `X-Link-Verification`. */
  VerificationRequired = 'VERIFICATION_REQUIRED',
  /** The recipient has no contact on the channel asked for. */
  ChannelUnavailable = 'CHANNEL_UNAVAILABLE',
  /** Too many codes were sent to this recipient in the last hour. */
  TooManyCodes = 'TOO_MANY_CODES',
  /** The latest code took too many wrong attempts; ask for a new code. */
  TooManyAttempts = 'TOO_MANY_ATTEMPTS',
  /** The code is wrong, expired, or no code was sent. */
  InvalidCode = 'INVALID_VERIFICATION_CODE',
}

/**
 * The one answer for every link that does not lead anywhere: unknown, malformed, replaced
 * (resend, reassignment), expired, cancelled, purged. Nothing in it tells them apart.
 */
export const linkNotFound = () =>
  new AppError(PlatformErrorCode.NotFound, 404, 'Not Found', { detail: 'No such link, or it is no longer valid.' });

export const recipientFinished = (status: string) =>
  new AppError(RecipientLinkErrorCode.RecipientFinished, 409, 'Conflict', {
    detail: status === 'DECLINED' ? 'This recipient has already declined.' : 'This recipient has already completed.',
  });

export const notYourTurn = () =>
  new AppError(RecipientLinkErrorCode.NotYourTurn, 409, 'Conflict', {
    detail: 'It is not your turn yet: an earlier recipient has not completed.',
  });

export const verificationRequired = () =>
  new AppError(RecipientLinkErrorCode.VerificationRequired, 403, 'Forbidden', {
    detail: 'Verification required: confirm the code sent to you and send its token as X-Link-Verification.',
  });

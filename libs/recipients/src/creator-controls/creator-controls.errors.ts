import { AppError, PlatformErrorCode } from '@itinera/platform';
import { WorkflowErrorCode } from '@itinera/workflows';

/** Codes of the problems the creator's controls answer with (besides the platform's and the workflows domain's). */
export enum CreatorControlsErrorCode {
  /** The workflow has no recipient with that id. */
  RecipientNotFound = 'RECIPIENT_NOT_FOUND',
  /** The recipient has completed, declined, failed or expired: there is no link to renew. */
  RecipientFinished = 'RECIPIENT_FINISHED',
}

export const recipientNotFound = () =>
  new AppError(CreatorControlsErrorCode.RecipientNotFound, 404, 'Not Found', {
    detail: 'The workflow has no such recipient.',
  });

/** 409 INVALID_STATE: the workflow is not ACTIVE, or its expiry has passed. */
export const workflowNotLive = (status: string, expired: boolean) =>
  new AppError(WorkflowErrorCode.InvalidState, 409, 'Conflict', {
    detail: expired
      ? 'The workflow has expired; its links can no longer be renewed.'
      : `The workflow is ${status}; only an ACTIVE workflow's links can be renewed.`,
    extensions: { workflowStatus: expired ? 'EXPIRED' : status },
  });

export const recipientFinished = (status: string) =>
  new AppError(CreatorControlsErrorCode.RecipientFinished, 409, 'Conflict', {
    detail: `The recipient is ${status}; only a recipient who has not finished can get a new link.`,
    extensions: { recipientStatus: status },
  });

/** 400: a reassignment must name where the new link goes. */
export const contactRequired = () =>
  new AppError(PlatformErrorCode.ValidationFailed, 400, 'Validation failed', {
    detail: 'Give the new email, the new phone, or both.',
    errors: [
      { field: 'email', message: 'email or phone is required' },
      { field: 'phone', message: 'email or phone is required' },
    ],
  });

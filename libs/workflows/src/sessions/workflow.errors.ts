import { AppError } from '@itinera/platform';

/** Codes of the problems the workflows domain answers with. */
export enum WorkflowErrorCode {
  /** No session with that id in the caller's tenant. */
  NotFound = 'NOT_FOUND',
  /** The session is not ACTIVE (or no longer in the state the change needs): the transition is refused. */
  InvalidState = 'INVALID_STATE',
  /** The caller may read the session but not manage it (neither its creator nor a tenant admin). */
  Forbidden = 'FORBIDDEN',
}

export const workflowNotFound = () =>
  new AppError(WorkflowErrorCode.NotFound, 404, 'Not Found', { detail: 'No such workflow.' });

export const workflowNotActive = (status: string) =>
  new AppError(WorkflowErrorCode.InvalidState, 409, 'Conflict', {
    detail: `The workflow is ${status}; only an ACTIVE workflow can change state.`,
    extensions: { workflowStatus: status },
  });

export const cannotManageWorkflow = () =>
  new AppError(WorkflowErrorCode.Forbidden, 403, 'Forbidden', {
    detail: "Only the workflow's creator or a tenant administrator may do this.",
  });

/**
 * The contract between producers (the API, through the outbox) and consumers (the worker): every
 * queue, its job names and each job's data. Job data carries ids plus the request id, never whole
 * records, so a handler re-reads current state and a rerun is harmless.
 *
 * Queue names carry a Redis Cluster hash tag (`{...}`) so each queue's keys share one slot while
 * different queues spread over the cluster.
 */

/** Data every job carries besides its own ids. */
export interface JobContext {
  /** The request (or job) that caused this job, for log correlation. */
  requestId?: string;
  /** The tenant whose data the job acts on, when it acts on tenant data. */
  tenantId?: string;
}

/** Deletes delivered outbox messages older than OUTBOX_RETENTION_HOURS (repeatable, hourly). */
export type OutboxPurgeData = JobContext;

/** A repeatable sweep over every tenant (expiry, retention, reminders, key purges): no ids of its own. */
export type SweepData = JobContext;

/** Sends one recorded notification message (a notification_messages row). */
export interface NotificationSendData extends JobContext {
  tenantId: string;
  notificationId: string;
}

/** Tells a recipient something happened (`link`: their turn / a new link; `reminder`). */
export interface RecipientNotifyData extends JobContext {
  tenantId: string;
  recipientId: string;
  kind: 'link' | 'reminder';
}

/** Tells a session's creator something happened to it. */
export interface CreatorNotifyData extends JobContext {
  tenantId: string;
  sessionId: string;
  kind: 'declined' | 'completed' | 'expired' | 'cancelled';
}

/** Scans one uploaded attachment. */
export interface AttachmentScanData extends JobContext {
  tenantId: string;
  attachmentId: string;
}

/** Makes one attempt at one webhook delivery. */
export interface WebhookDeliveryData extends JobContext {
  tenantId: string;
  deliveryId: string;
}

/** Runs one patient analysis (a patient_analyses row; its id is also the Bull job id). */
export interface AnalysisRunData extends JobContext {
  tenantId: string;
  analysisId: string;
}

/** Tells a specialist that a consent grant to them was given, revoked or has expired. */
export interface ConsentNotifyData extends JobContext {
  tenantId: string;
  grantId: string;
  kind: 'granted' | 'revoked' | 'expired';
}

export const MAINTENANCE_QUEUE = '{maintenance}';
export const WORKFLOWS_QUEUE = '{workflows}';
export const NOTIFICATIONS_QUEUE = '{notifications}';
export const ATTACHMENTS_QUEUE = '{attachments}';
export const WEBHOOKS_QUEUE = '{webhooks}';
/** The seed's analysis queue: prioritised (1 highest to 10), one job per patient_analyses row. */
export const ANALYSIS_QUEUE = '{analysis}';
export const PATIENT_RECORDS_QUEUE = '{patient-records}';

/** Job data by queue and job name; a domain adds its queues here. */
export interface JobsByQueue {
  // A job listed here must have its @Process handler in the worker (JobHandlerCheck refuses to
  // start otherwise): add each job with its processor.
  [MAINTENANCE_QUEUE]: {
    'outbox-purge': OutboxPurgeData;
    'idempotency-purge': SweepData;
  };
  [WORKFLOWS_QUEUE]: {
    'workflow-expiry': SweepData;
    'workflow-retention': SweepData;
  };
  [NOTIFICATIONS_QUEUE]: {
    'recipient-notify': RecipientNotifyData;
    'creator-notify': CreatorNotifyData;
    'notification-send': NotificationSendData;
    'recipient-reminders': SweepData;
  };
  [ATTACHMENTS_QUEUE]: {
    'attachment-scan': AttachmentScanData;
  };
  [WEBHOOKS_QUEUE]: {
    'webhook-delivery': WebhookDeliveryData;
  };
  [ANALYSIS_QUEUE]: {
    'analysis-run': AnalysisRunData;
  };
  [PATIENT_RECORDS_QUEUE]: {
    'consent-expiry': SweepData;
    'consent-notify': ConsentNotifyData;
  };
}

export type QueueName = keyof JobsByQueue;
export type JobName<Q extends QueueName> = keyof JobsByQueue[Q] & string;
export type JobData<Q extends QueueName, J extends JobName<Q>> = JobsByQueue[Q][J];

/** The same registry at run time: the relay refuses unknown names and the worker checks every name has a handler. */
export const JOB_NAMES_BY_QUEUE: { [Q in QueueName]: JobName<Q>[] } = {
  [MAINTENANCE_QUEUE]: ['outbox-purge', 'idempotency-purge'],
  [WORKFLOWS_QUEUE]: ['workflow-expiry', 'workflow-retention'],
  [NOTIFICATIONS_QUEUE]: ['recipient-notify', 'creator-notify', 'notification-send', 'recipient-reminders'],
  [ATTACHMENTS_QUEUE]: ['attachment-scan'],
  [WEBHOOKS_QUEUE]: ['webhook-delivery'],
  [ANALYSIS_QUEUE]: ['analysis-run'],
  [PATIENT_RECORDS_QUEUE]: ['consent-expiry', 'consent-notify'],
};

export const QUEUE_NAMES = Object.keys(JOB_NAMES_BY_QUEUE) as QueueName[];

/** Readable names for the dashboard and metrics (`{maintenance}` -> `maintenance`). */
export function displayNameOf(queue: string): string {
  return queue.replace(/[{}]/g, '');
}

export function isKnownJob(queue: string, job: string): boolean {
  return (JOB_NAMES_BY_QUEUE as Record<string, string[]>)[queue]?.includes(job) ?? false;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RECIPIENT_TYPES } from './create-workflow.dto';

export const WORKFLOW_STATUSES = ['ACTIVE', 'COMPLETED', 'CANCELLED', 'EXPIRED'] as const;
export type WorkflowStatusName = (typeof WORKFLOW_STATUSES)[number];
export const RECIPIENT_STATUSES = [
  'PENDING',
  'ACCESSED',
  'IN_PROGRESS',
  'COMPLETED',
  'DECLINED',
  'FAILED',
  'EXPIRED',
] as const;
export const SCAN_STATUSES = ['PENDING', 'CLEAN', 'INFECTED', 'FAILED'] as const;

export class WorkflowProgress {
  /** Number of recipients. */
  @ApiProperty({ type: 'integer' })
  total!: number;
  /** Recipients that completed. */
  @ApiProperty({ type: 'integer' })
  completed!: number;
  /** order_index of the recipient whose turn it is (equals `total` once all completed). */
  @ApiProperty({ type: 'integer' })
  currentRecipientOrder!: number;
  /** completed / total, as a whole percentage. */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100 })
  percent!: number;
}

/** A session as lists show it (without recipients and attachments). */
export class WorkflowSummaryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  documentUrl!: string;
  @ApiProperty({ enum: WORKFLOW_STATUSES })
  status!: WorkflowStatusName;
  /** The user or API key that created it. */
  @ApiProperty({ format: 'uuid' })
  creatorId!: string;
  @ApiProperty({ enum: ['USER', 'API_KEY'] })
  creatorType!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  metadata!: Record<string, unknown>;
  progress!: WorkflowProgress;
  expiresAt!: Date;
  /** When it left ACTIVE. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true })
  cancelReason!: string | null;
  /** Kept past the retention period while true. */
  legalHold!: boolean;
  /** When retention erased its form data and attachment contents. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  purgedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** A recipient as the workflow's readers see it: never its token. */
export class WorkflowRecipientResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** Position in the route, from 0. */
  @ApiProperty({ type: 'integer' })
  orderIndex!: number;
  @ApiProperty({ enum: RECIPIENT_TYPES })
  type!: string;
  @ApiProperty({ enum: RECIPIENT_STATUSES })
  status!: string;
  @ApiProperty({ type: String, nullable: true })
  name!: string | null;
  @ApiProperty({ type: String, nullable: true })
  email!: string | null;
  @ApiProperty({ type: String, nullable: true })
  phone!: string | null;
  requiresVerification!: boolean;
  /** The JSON Schema of a CUSTOM recipient's form. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  formSchema!: Record<string, unknown> | null;
  /** What the recipient entered (a draft until COMPLETED; erased by retention). */
  @ApiProperty({ type: 'object', additionalProperties: true })
  formData!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true })
  declineReason!: string | null;
  /** When the current link was issued. */
  tokenIssuedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  accessedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  declinedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  emailSentAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  smsSentAt!: Date | null;
  @ApiProperty({ type: 'integer' })
  reminderCount!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastRemindedAt!: Date | null;
  /** Failed notification attempts so far. */
  @ApiProperty({ type: 'integer' })
  retryCount!: number;
  /** The last notification failure. */
  @ApiProperty({ type: String, nullable: true })
  errorMessage!: string | null;
  createdAt!: Date;
}

export class WorkflowAttachmentResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  fileName!: string;
  fileType!: string;
  /** Bytes. */
  @ApiProperty({ type: 'integer' })
  fileSize!: number;
  @ApiProperty({ enum: SCAN_STATUSES })
  scanStatus!: string;
  @ApiProperty({ type: 'integer' })
  downloadCount!: number;
  /** The recipient who uploaded it through their link, if one did. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  recipientId!: string | null;
  uploadedAt!: Date;
}

/** One session with its recipients (in order) and attachments (newest first). */
export class WorkflowResponse extends WorkflowSummaryResponse {
  @ApiProperty({ type: [WorkflowRecipientResponse] })
  recipients!: WorkflowRecipientResponse[];
  @ApiProperty({ type: [WorkflowAttachmentResponse] })
  attachments!: WorkflowAttachmentResponse[];
}

export class CreatedWorkflowRecipientResponse extends WorkflowRecipientResponse {
  /** The recipient's secret link, `${PUBLIC_BASE_URL}/r/<token>`: in this response only, never again. */
  link!: string;
}

/** A new session: as GET returns it, plus each recipient's link (shown once). */
export class CreatedWorkflowResponse extends WorkflowSummaryResponse {
  @ApiProperty({ type: [CreatedWorkflowRecipientResponse] })
  recipients!: CreatedWorkflowRecipientResponse[];
  @ApiProperty({ type: [WorkflowAttachmentResponse] })
  attachments!: WorkflowAttachmentResponse[];
}

// ------------------------------------------------------------------ mappers

/** The columns a summary needs, camel-cased (Prisma's model or a mapped raw row). */
export interface SessionRow {
  id: string;
  documentUrl: string;
  status: string;
  creatorId: string;
  creatorType: string;
  metadata: unknown;
  totalRecipients: number;
  completedRecipients: number;
  currentRecipientOrder: number;
  expiresAt: Date;
  finishedAt: Date | null;
  cancelReason: string | null;
  legalHold: boolean;
  purgedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RecipientRow {
  id: string;
  orderIndex: number;
  recipientType: string;
  status: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  requiresVerification: boolean;
  formSchema: unknown;
  formData: unknown;
  declineReason: string | null;
  tokenIssuedAt: Date;
  accessedAt: Date | null;
  completedAt: Date | null;
  declinedAt: Date | null;
  emailSentAt: Date | null;
  smsSentAt: Date | null;
  reminderCount: number;
  lastRemindedAt: Date | null;
  retryCount: number;
  errorMessage: string | null;
  createdAt: Date;
}

export interface AttachmentRow {
  id: string;
  fileName: string;
  fileType: string;
  fileSize: bigint | number;
  scanStatus: string;
  downloadCount: number;
  recipientId: string | null;
  uploadedAt: Date;
}

export function toProgress(row: Pick<SessionRow, 'totalRecipients' | 'completedRecipients' | 'currentRecipientOrder'>) {
  return {
    total: row.totalRecipients,
    completed: row.completedRecipients,
    currentRecipientOrder: row.currentRecipientOrder,
    percent: row.totalRecipients ? Math.floor((100 * row.completedRecipients) / row.totalRecipients) : 0,
  };
}

export function toWorkflowSummary(row: SessionRow): WorkflowSummaryResponse {
  return {
    id: row.id,
    documentUrl: row.documentUrl,
    status: row.status as WorkflowStatusName,
    creatorId: row.creatorId,
    creatorType: row.creatorType,
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    progress: toProgress(row),
    expiresAt: row.expiresAt,
    finishedAt: row.finishedAt,
    cancelReason: row.cancelReason,
    legalHold: row.legalHold,
    purgedAt: row.purgedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toRecipientResponse(row: RecipientRow): WorkflowRecipientResponse {
  return {
    id: row.id,
    orderIndex: row.orderIndex,
    type: row.recipientType,
    status: row.status,
    name: row.name,
    email: row.email,
    phone: row.phone,
    requiresVerification: row.requiresVerification,
    formSchema: (row.formSchema ?? null) as Record<string, unknown> | null,
    formData: (row.formData ?? {}) as Record<string, unknown>,
    declineReason: row.declineReason,
    tokenIssuedAt: row.tokenIssuedAt,
    accessedAt: row.accessedAt,
    completedAt: row.completedAt,
    declinedAt: row.declinedAt,
    emailSentAt: row.emailSentAt,
    smsSentAt: row.smsSentAt,
    reminderCount: row.reminderCount,
    lastRemindedAt: row.lastRemindedAt,
    retryCount: row.retryCount,
    errorMessage: row.errorMessage,
    createdAt: row.createdAt,
  };
}

export function toAttachmentResponse(row: AttachmentRow): WorkflowAttachmentResponse {
  return {
    id: row.id,
    fileName: row.fileName,
    fileType: row.fileType,
    fileSize: Number(row.fileSize),
    scanStatus: row.scanStatus,
    downloadCount: row.downloadCount,
    recipientId: row.recipientId,
    uploadedAt: row.uploadedAt,
  };
}

export function toWorkflowResponse(
  session: SessionRow,
  recipients: RecipientRow[],
  attachments: AttachmentRow[],
): WorkflowResponse {
  return {
    ...toWorkflowSummary(session),
    recipients: recipients.map(toRecipientResponse),
    attachments: attachments.map(toAttachmentResponse),
  };
}

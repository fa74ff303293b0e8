import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { RecipientStatus, RecipientType, ScanStatus, WorkflowStatus } from '@prisma/client';

/** A contact channel a verification code can be sent to, masked. */
export class VerificationChannelView {
  @ApiProperty({ enum: ['EMAIL', 'SMS'] })
  channel!: 'EMAIL' | 'SMS';
  /** The address, masked (e.g. `j***@e***.com`, `+*******4567`). */
  destination!: string;
}

/** The recipient as their own link shows them. */
export class LinkRecipientView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: RecipientType })
  type!: RecipientType;
  @ApiProperty({ type: String, nullable: true })
  name!: string | null;
  @ApiProperty({ enum: RecipientStatus })
  status!: RecipientStatus;
  /** 0-based position on the route. */
  orderIndex!: number;
  /** The JSON Schema of the recipient's form (the built-in type's, or the CUSTOM one). */
  @ApiProperty({ type: 'object', additionalProperties: true })
  formSchema!: Record<string, unknown>;
  /** The form data saved so far. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  formData!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  accessedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: Date | null;
}

/** The session as a recipient sees it: the document and whose turn it is. */
export class LinkWorkflowView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: WorkflowStatus })
  status!: WorkflowStatus;
  documentUrl!: string;
  expiresAt!: Date;
  /** order_index of the recipient whose turn it is (equals total once all completed). */
  currentRecipientOrder!: number;
  /** It is this recipient's turn to complete or decline. */
  yourTurn!: boolean;
  total!: number;
  completed!: number;
}

export class LinkAttachmentView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  fileName!: string;
  fileType!: string;
  fileSize!: number;
  @ApiProperty({ enum: ScanStatus })
  scanStatus!: ScanStatus;
  @ApiProperty({ type: String, format: 'date-time' })
  uploadedAt!: string;
}

/** The landing page of a recipient that must verify first: no document, form data or attachments. */
export class LinkLandingRecipientView {
  @ApiProperty({ enum: RecipientType })
  type!: RecipientType;
}

/**
 * What a link shows. With `verificationRequired: true` it is only a landing page (the recipient's
 * type and where a code can be sent); otherwise the document, the recipient's form and status,
 * whose turn it is and the session's attachments.
 */
@ApiExtraModels(LinkRecipientView, LinkLandingRecipientView)
export class LinkViewResponse {
  verificationRequired!: boolean;
  /** Where a verification code can be sent (landing page only). */
  @ApiPropertyOptional({ type: [VerificationChannelView] })
  verificationChannels?: VerificationChannelView[];
  /** The recipient (on the landing page, its type only). */
  @ApiProperty({
    oneOf: [{ $ref: getSchemaPath(LinkRecipientView) }, { $ref: getSchemaPath(LinkLandingRecipientView) }],
  })
  recipient!: LinkRecipientView | LinkLandingRecipientView;
  @ApiPropertyOptional({ type: LinkWorkflowView })
  workflow?: LinkWorkflowView;
  @ApiPropertyOptional({ type: [LinkAttachmentView] })
  attachments?: LinkAttachmentView[];
}

/** The draft as saved. */
export class DraftSavedResponse {
  @ApiProperty({ enum: RecipientStatus })
  status!: RecipientStatus;
  @ApiProperty({ type: 'object', additionalProperties: true })
  formData!: Record<string, unknown>;
}

/** The outcome of a completion or a decline. */
export class RecipientActionResponse {
  @ApiProperty({ format: 'uuid' })
  recipientId!: string;
  @ApiProperty({ enum: RecipientStatus })
  status!: RecipientStatus;
  /** The session after the action (COMPLETED after the last completion, CANCELLED after a decline). */
  @ApiProperty({ enum: WorkflowStatus })
  workflowStatus!: WorkflowStatus;
  currentRecipientOrder!: number;
  completed!: number;
  total!: number;
}

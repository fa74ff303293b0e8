import { ApiProperty } from '@nestjs/swagger';
import { PageInfo } from '@itinera/platform';

/** A recipient's new link (resend, reassign): shown here once, never again. */
export class RenewedLinkResponse {
  /** The recipient. */
  @ApiProperty({ format: 'uuid' })
  recipientId!: string;

  /** The new link, `${PUBLIC_BASE_URL}/r/<token>`; the previous one stopped working. */
  link!: string;

  /** When the new link was issued. */
  tokenIssuedAt!: Date;

  /** Whether the recipient is being sent the link now (it is their turn); otherwise they get it at hand-over. */
  notified!: boolean;

  /** The recipient's status after the change. */
  status!: string;
}

/** The result of a reassignment: the new link, and the id of the kept previous assignment. */
export class ReassignedRecipientResponse extends RenewedLinkResponse {
  /** The recipient_assignments row holding the previous person and contacts. */
  @ApiProperty({ format: 'uuid' })
  assignmentId!: string;
}

/** A recipient's notification state (kept on the recipient row). */
export class RecipientNotificationState {
  @ApiProperty({ format: 'uuid' })
  recipientId!: string;

  /** When an email last reached the provider. */
  @ApiProperty({ type: Date, nullable: true })
  emailSentAt!: Date | null;

  /** When an SMS last reached the provider. */
  @ApiProperty({ type: Date, nullable: true })
  smsSentAt!: Date | null;

  /** Reminders sent so far (at most REMINDER_MAX). */
  reminderCount!: number;

  @ApiProperty({ type: Date, nullable: true })
  lastRemindedAt!: Date | null;

  /** Failed delivery attempts so far. */
  retryCount!: number;

  /** The last delivery error. */
  @ApiProperty({ type: String, nullable: true })
  errorMessage!: string | null;
}

/** One message to the recipient and its delivery. */
export class NotificationMessageResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  /** link, reminder or verification-code. */
  kind!: string;

  @ApiProperty({ enum: ['EMAIL', 'SMS'] })
  channel!: string;

  /** The address, masked (`a***@example.com`, `+1*******567`). */
  to!: string;

  @ApiProperty({ enum: ['QUEUED', 'SENT', 'FAILED'] })
  status!: string;

  /** Delivery attempts made. */
  attempts!: number;

  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;

  @ApiProperty({ type: Date, nullable: true })
  sentAt!: Date | null;

  createdAt!: Date;
}

/** The notification state and one page of messages, newest first. */
export class RecipientNotificationsResponse {
  state!: RecipientNotificationState;

  @ApiProperty({ type: [NotificationMessageResponse] })
  data!: NotificationMessageResponse[];

  page!: PageInfo;
}

/** A previous assignment of a recipient, kept when it was reassigned. */
export class RecipientAssignmentResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;

  @ApiProperty({ type: String, nullable: true })
  phone!: string | null;

  /** Why it was reassigned. */
  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;

  /** Who reassigned it (a user or API key id). */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  replacedBy!: string | null;

  /** When this assignment ended. */
  replacedAt!: Date;
}

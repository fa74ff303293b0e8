import { ApiProperty } from '@nestjs/swagger';
import type { Attachment } from '@prisma/client';

/** A file attached to a workflow: metadata and scan state (the content is at `…/content` once CLEAN). */
export class AttachmentResponse {
  /** @example "0b5e1c8a-6f3e-4c1e-9b1a-2f8e4d6c7a90" */
  id!: string;
  /** The workflow (session) it belongs to. */
  workflowId!: string;
  /** The recipient who uploaded it through their link; null when the creator (or an admin) did. */
  recipientId!: string | null;
  /** The user or API key that uploaded it; null for a recipient's upload. */
  uploadedById!: string | null;
  /** The file name as uploaded, without directories or control characters. @example "referral.pdf" */
  fileName!: string;
  /** The declared media type, checked against the content. @example "application/pdf" */
  fileType!: string;
  /** Size in bytes. */
  @ApiProperty({ type: 'integer', example: 48213 })
  fileSize!: number;
  /** SHA-256 of the content, hex; the download's ETag. */
  checksum!: string;
  /** PENDING until the scan job ran (FAILED: the scanner could not decide after every retry); only CLEAN content can be downloaded. */
  @ApiProperty({ enum: ['PENDING', 'CLEAN', 'INFECTED', 'FAILED'] })
  scanStatus!: 'PENDING' | 'CLEAN' | 'INFECTED' | 'FAILED';
  /** The signature found when INFECTED. */
  scanDetail!: string | null;
  scannedAt!: Date | null;
  @ApiProperty({ type: 'integer' })
  downloadCount!: number;
  lastDownload!: Date | null;
  /** When retention deleted the content (the row stays). */
  purgedAt!: Date | null;
  uploadedAt!: Date;
}

export function toAttachmentResponse(row: Attachment): AttachmentResponse {
  return {
    id: row.id,
    workflowId: row.sessionId,
    recipientId: row.recipientId,
    uploadedById: row.uploadedById,
    fileName: row.fileName,
    fileType: row.fileType,
    fileSize: Number(row.fileSize),
    checksum: Buffer.from(row.checksum).toString('hex'),
    scanStatus: row.scanStatus,
    scanDetail: row.scanDetail,
    scannedAt: row.scannedAt,
    downloadCount: row.downloadCount,
    lastDownload: row.lastDownload,
    purgedAt: row.purgedAt,
    uploadedAt: row.uploadedAt,
  };
}

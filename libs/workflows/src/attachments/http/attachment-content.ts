import type { FastifyReply } from 'fastify';
import { contentDisposition } from '../content-inspector';
import type { AttachmentDownload } from '../attachments.service';

/**
 * Sends a verified download: its declared type (never sniffed), exact length, `attachment`
 * disposition with the RFC 5987 file name, the SHA-256 as ETag, and no caching. Shared by the
 * creator's route and the recipient link's.
 */
export function sendAttachmentContent(reply: FastifyReply, download: AttachmentDownload): FastifyReply {
  const { attachment, content } = download;
  const type = attachment.fileType === 'text/plain' ? 'text/plain; charset=utf-8' : attachment.fileType;
  return reply
    .status(200)
    .headers({
      'content-type': type,
      'content-length': String(attachment.fileSize),
      'content-disposition': contentDisposition(attachment.fileName),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      etag: `"${attachment.checksum}"`,
      'cache-control': 'private, no-store',
    })
    .send(content);
}

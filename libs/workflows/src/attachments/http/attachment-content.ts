import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { contentDisposition } from '../content-inspector';
import type { AttachmentDownload } from '../attachments.service';

/**
 * Sends a verified download: its declared type (never sniffed), exact length, `attachment`
 * disposition with the RFC 5987 file name, the SHA-256 as ETag, and no caching. Shared by the
 * creator's route and the recipient link's. Without content (HEAD), the same headers and no body.
 */
export function sendAttachmentContent(reply: FastifyReply, download: AttachmentDownload): FastifyReply {
  const { attachment, content } = download;
  const type = attachment.fileType === 'text/plain' ? 'text/plain; charset=utf-8' : attachment.fileType;
  return (
    reply
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
      // Fastify's HEAD handling drains a stream and keeps our Content-Length; a null body would reset it.
      .send(content ?? Readable.from([]))
  );
}

/**
 * Fastify answers HEAD with the GET route's handler; a HEAD must neither count as a download nor
 * read the content, so the handlers ask this first.
 */
export function isHeadRequest(reply: FastifyReply): boolean {
  return reply.request.method === 'HEAD';
}

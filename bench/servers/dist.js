// @ts-check
/**
 * The built apps and libraries (dist/, from `nest build`), typed as their TypeScript sources. The
 * paths are computed so that the type checker does not pull the compiled files into the program.
 */
const path = require('node:path');

const DIST = path.join(__dirname, '..', '..', 'dist');

/** @param {string} file */
const load = (file) => require(path.join(DIST, file));

module.exports = {
  /** @returns {typeof import('../../libs/platform/src')} */
  platform: () => load('libs/platform/src/index.js'),
  /** @returns {typeof import('../../libs/prisma/src')} */
  prisma: () => load('libs/prisma/src/index.js'),
  /** @returns {typeof import('../../apps/api/src/api-app')} */
  apiApp: () => load('apps/api/src/api-app.js'),
  /** @returns {typeof import('../../libs/recipients/src/links/recipient-link-view.service')} */
  recipientLinkView: () => load('libs/recipients/src/links/recipient-link-view.service.js'),
  /** @returns {typeof import('../../libs/recipients/src/links/recipient-link.resolver')} */
  recipientLinkResolver: () => load('libs/recipients/src/links/recipient-link.resolver.js'),
};

import helmet from 'helmet';

/**
 * helmet's headers, computed once: none of them varies per response (no CSP nonces), but
 * @fastify/helmet recomputes them on every request, which measured about 65 µs of CPU per request
 * here (`npm run bench -- health`); setting a precomputed set costs a few.
 */
export function securityHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let failure: unknown;
  helmet(options)({} as never, response as never, (error?: unknown) => (failure = error));
  if (failure) throw failure;
  return headers;
}

/**
 * JSON API responses: the set OWASP's REST Security Cheat Sheet recommends for APIs (nothing may be
 * loaded or framed, no sniffing, HSTS, no referrer, and no caching: answers carry tenant data, and
 * a recipient link's view is reached by its secret URL alone). The browser-page headers (a full
 * CSP, COOP, Origin-Agent-Cluster...) only matter for HTML and would add ~600 bytes to every response.
 */
export const API_SECURITY_HEADERS = {
  'cache-control': 'no-store',
  ...securityHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  }),
};

/** HTML pages (Swagger UI at /docs, the queue dashboard): helmet's full set, with a CSP they can run under. */
export const PAGE_SECURITY_HEADERS = securityHeaders({
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
    },
  },
});

/** Paths that serve HTML pages rather than JSON. */
const PAGE_PATHS = /^\/(docs|admin\/queues)(\/|$|\?)/;

export function securityHeadersFor(url: string): Record<string, string> {
  return PAGE_PATHS.test(url) ? PAGE_SECURITY_HEADERS : API_SECURITY_HEADERS;
}

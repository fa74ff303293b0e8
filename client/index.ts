import createClient, { type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './itinera-api';

/**
 * A typed Itinera API client: paths, parameters, bodies and responses come from openapi.json
 * (`npm run openapi`, then `npm run client` regenerates ./itinera-api.d.ts).
 *
 *   const api = createItineraClient({ baseUrl: 'http://127.0.0.1:3000' });
 *   const { data, error } = await api.GET('/admin/outbox', { params: { query: { limit: 10 } } });
 */
export function createItineraClient(options: ClientOptions) {
  return createClient<paths>(options);
}

export type ItineraClient = ReturnType<typeof createItineraClient>;
export type ProblemDetails = components['schemas']['ProblemDetails'];
export type { components, paths };

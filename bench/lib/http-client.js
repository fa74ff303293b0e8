// @ts-check
/** HTTP calls the scenarios make to set up and check a server before measuring it. */

/**
 * A JSON request; the answer's status, text and parsed body (null when not JSON).
 * @param {string} url @param {string} urlPath
 * @param {{ method?: string, body?: unknown, token?: string }} [options]
 */
async function call(url, urlPath, { method = 'GET', body, token } = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${url}${urlPath}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  /** @type {any} */
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, text, json };
}

/** @param {{ status: number, text: string }} response @param {number} status @param {string} what */
function expectStatus(response, status, what) {
  if (response.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${response.status} ${response.text.slice(0, 500)}`);
  }
}

module.exports = { call, expectStatus };

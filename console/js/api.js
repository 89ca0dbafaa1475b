// The public SSH Keys API, called exactly as any other client does: same
// origin, `Authorization: APIKey <token>`, JSON bodies. Errors keep the
// API's own words (Gcore's error shape).

// Relative to the page (/console/), so the console keeps working behind a
// proxy that serves sshkeyd under a path prefix.
const API_ROOT = new URL('../cloud/v1/ssh_keys/', document.baseURI);

/** A failed request: the status and the API's message and invalid fields. */
export class ApiError extends Error {
  constructor(status, body) {
    super(typeof body?.message === 'string' && body.message ? body.message : `The server answered ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.exceptionClass = body?.exception_class ?? '';
    this.invalidFields = body?.invalid_fields && typeof body.invalid_fields === 'object' ? body.invalid_fields : {};
  }
}

/** A client for one project, holding the token only in this closure. */
export function projectClient(token, project) {
  const base = new URL(`${encodeURIComponent(project)}`, API_ROOT);

  async function call(method, url, body, signal) {
    const headers = { Authorization: `APIKey ${token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new ApiError(0, { message: 'Could not reach sshkeyd. Check the connection and try again.' });
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  const keyUrl = (id) => new URL(`${encodeURIComponent(project)}/${encodeURIComponent(id)}`, API_ROOT);

  return {
    /** One page: `{count, results}`. */
    list({ limit, offset, name, orderBy }, signal) {
      const url = new URL(base);
      url.searchParams.set('limit', String(limit));
      url.searchParams.set('offset', String(offset));
      url.searchParams.set('order_by', orderBy);
      if (name) url.searchParams.set('name', name);
      return call('GET', url, undefined, signal);
    },
    /** Imports `public_key`, or generates a pair when it is absent. */
    create(fields) {
      return call('POST', base, fields);
    },
    setShared(id, shared) {
      return call('PATCH', keyUrl(id), { shared_in_project: shared });
    },
    remove(id) {
      return call('DELETE', keyUrl(id));
    },
  };
}

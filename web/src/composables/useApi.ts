// Calls to the hub's HTTP API. Every failure becomes an ApiError carrying the server's
// `{ error: { code, message, hint } }` (or an equivalent for network failures), so that views show
// what went wrong and how to fix it instead of an empty chart.
import {
  onScopeDispose,
  ref,
  shallowRef,
  toValue,
  watch,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
} from 'vue';
import type { ErrorBody } from '../../../shared/schemas/errors.js';

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the hub could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiRequest {
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /**
   * A call that is expected to fail when signed out (sign-in, /auth/me): its 401 is the caller's
   * to handle, not a session that just ended.
   */
  anonymous?: boolean;
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

let fetchImpl: Fetch = (input, init) => fetch(input, init);

/** Tests swap the transport. */
export function setFetch(next: Fetch): void {
  fetchImpl = next;
}

let signedOut: () => void = () => {};

/**
 * What to do when any call answers 401 `unauthenticated` (the session expired or was revoked
 * meanwhile): main.ts sends the page to the sign-in form. The call still rejects.
 */
export function onSignedOut(handler: () => void): void {
  signedOut = handler;
}

/** Any failure as an ApiError: a bug or a broken response still shows a message and a way out. */
export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError
    ? err
    : new ApiError(0, 'client_error', (err as Error | undefined)?.message ?? String(err), 'Reload the page.');
}

function isErrorBody(value: unknown): value is ErrorBody {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** A JSON request to the API; resolves to the parsed body (undefined for 204), rejects with ApiError. */
export async function apiFetch<T>(path: string, request: ApiRequest = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetchImpl(path, {
      method: request.method ?? 'GET',
      headers,
      body: request.body === undefined ? null : JSON.stringify(request.body),
      signal: request.signal ?? null,
    });
  } catch (err) {
    if ((err as { name?: string }).name === 'AbortError') throw err;
    throw new ApiError(
      0,
      'network_error',
      `The hub could not be reached (${(err as Error).message}).`,
      'Check that the server is running and that this machine is online; then retry.',
    );
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's error page): reported below by status.
  }
  if (!response.ok) {
    // A wrong current password (PUT /auth/password) is a 401 too, but the session lives on.
    const wrongPassword = isErrorBody(body) && body.error.code === 'bad_credentials';
    if (response.status === 401 && !request.anonymous && !wrongPassword) signedOut();
    if (isErrorBody(body)) {
      throw new ApiError(response.status, body.error.code, body.error.message, body.error.hint ?? '');
    }
    throw new ApiError(
      response.status,
      `http_${response.status}`,
      `${path} answered ${response.status} ${response.statusText}.`,
      'Retry; if it persists, the server log has the details.',
    );
  }
  if (body === undefined && text) {
    throw new ApiError(
      response.status,
      'invalid_response',
      `${path} did not answer JSON.`,
      'Reload the page.',
    );
  }
  return body as T;
}

export interface ApiResource<T> {
  data: ShallowRef<T | null>;
  error: ShallowRef<ApiError | null>;
  loading: Ref<boolean>;
  reload(): Promise<void>;
}

/**
 * A GET that follows its path: a new path aborts the request in flight, so only the latest answer
 * lands. A null path fetches nothing. The previous data stays while the next one loads.
 */
export function useApi<T>(path: MaybeRefOrGetter<string | null>): ApiResource<T> {
  const data = shallowRef<T | null>(null);
  const error = shallowRef<ApiError | null>(null);
  const loading = ref(false);
  let controller: AbortController | null = null;

  async function load(target: string | null): Promise<void> {
    controller?.abort();
    controller = null;
    if (target === null) {
      loading.value = false;
      return;
    }
    const mine = new AbortController();
    controller = mine;
    loading.value = true;
    try {
      const result = await apiFetch<T>(target, { signal: mine.signal });
      if (controller !== mine) return;
      data.value = result;
      error.value = null;
    } catch (err) {
      if (controller !== mine) return;
      error.value = toApiError(err);
    } finally {
      if (controller === mine) {
        loading.value = false;
        controller = null;
      }
    }
  }

  watch(() => toValue(path), load, { immediate: true });
  onScopeDispose(() => controller?.abort());
  return { data, error, loading, reload: () => load(toValue(path)) };
}

/** `?a=1&b=x` from the defined, non-empty values. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Path of a workspace-scoped resource, its segments escaped. */
export function workspacePath(workspace: string, ...segments: string[]): string {
  return ['/api/v1/workspaces', workspace, ...segments]
    .map((s, i) => (i === 0 ? s : encodeURIComponent(s)))
    .join('/');
}

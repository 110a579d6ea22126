// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import {
  ApiError,
  apiFetch,
  onSignedOut,
  queryString,
  setFetch,
  useApi,
  workspacePath,
} from '../../../web/src/composables/useApi.js';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => setFetch((input, init) => fetch(input, init)));

describe('apiFetch', () => {
  it('surfaces the API error body as code, message and hint', async () => {
    setFetch(async () =>
      json(404, {
        error: { code: 'unknown_workspace', message: 'Workspace "x" does not exist.', hint: 'Create it.' },
      }),
    );
    const error = await apiFetch('/api/v1/workspaces/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 404,
      code: 'unknown_workspace',
      message: 'Workspace "x" does not exist.',
      hint: 'Create it.',
    });
  });

  it('turns a network failure and a non-JSON error page into ApiErrors with a hint', async () => {
    setFetch(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(apiFetch('/api/v1/workspaces')).rejects.toMatchObject({ status: 0, code: 'network_error' });
    setFetch(
      async () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    const error = (await apiFetch('/api/v1/workspaces').catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('http_502');
    expect(error.hint).not.toBe('');
  });

  it('sends JSON bodies and reads 204 as undefined', async () => {
    const seen: RequestInit[] = [];
    setFetch(async (_input, init) => {
      seen.push(init);
      return new Response(null, { status: 204 });
    });
    await expect(apiFetch('/x', { method: 'PUT', body: { a: 1 } })).resolves.toBeUndefined();
    expect(seen[0]).toMatchObject({ method: 'PUT', body: '{"a":1}' });
    expect((seen[0]!.headers as Record<string, string>)['content-type']).toBe('application/json');
  });
});

describe('a session that ended', () => {
  afterEach(() => onSignedOut(() => {}));
  const unauthenticated = () =>
    json(401, { error: { code: 'unauthenticated', message: 'Not signed in.', hint: 'Sign in.' } });

  it('calls the signed-out handler on a 401, and still rejects', async () => {
    let calls = 0;
    onSignedOut(() => calls++);
    setFetch(async () => unauthenticated());
    await expect(apiFetch('/api/v1/workspaces/x')).rejects.toMatchObject({ status: 401 });
    expect(calls).toBe(1);
  });

  it('leaves an anonymous call and a wrong current password to their caller', async () => {
    let calls = 0;
    onSignedOut(() => calls++);
    setFetch(async () => unauthenticated());
    await expect(apiFetch('/api/v1/auth/me', { anonymous: true })).rejects.toMatchObject({ status: 401 });
    setFetch(async () =>
      json(401, { error: { code: 'bad_credentials', message: 'Wrong password.', hint: '' } }),
    );
    await expect(apiFetch('/api/v1/auth/password', { method: 'PUT', body: {} })).rejects.toMatchObject({
      code: 'bad_credentials',
    });
    expect(calls).toBe(0);
  });
});

describe('useApi', () => {
  it('keeps only the answer of the latest path', async () => {
    const pending = new Map<string, (r: Response) => void>();
    setFetch((input) => new Promise((resolve) => pending.set(input, resolve)));
    const path = ref('/a');
    const scope = effectScope();
    const resource = scope.run(() => useApi<{ name: string }>(path))!;
    path.value = '/b';
    await nextTick();
    pending.get('/b')!(json(200, { name: 'b' }));
    pending.get('/a')!(json(200, { name: 'a' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(resource.data.value).toEqual({ name: 'b' });
    expect(resource.loading.value).toBe(false);
    scope.stop();
  });
});

describe('URL helpers', () => {
  it('escapes path segments and leaves out empty parameters', () => {
    expect(workspacePath('demo', 'kpis', 'a/b', 'series')).toBe('/api/v1/workspaces/demo/kpis/a%2Fb/series');
    expect(queryString({ kpi: 'ctr', window: '7d', source: '', touchpoint: undefined })).toBe(
      '?kpi=ctr&window=7d',
    );
    expect(queryString({})).toBe('');
  });
});

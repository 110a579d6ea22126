// Tests act as the hub's owner unless they say otherwise: every hub a test starts is signed into
// once, and fetch() calls to it carry the owner's token unless they send an Authorization header
// or a cookie of their own. Tests of access itself use `anonymousFetch` or explicit credentials.

/** The owner's password of every test hub (it passes the policy: 12 characters at least). */
export const TEST_PASSWORD = 'correct horse battery staple';
export const TEST_OWNER = 'admin@localhost';

export const anonymousFetch: typeof fetch = globalThis.fetch.bind(globalThis);

const tokens = new Map<string, string>();

/** The owner's token of the hub at `url` (its origin). */
export function ownerToken(url: string): string | undefined {
  return tokens.get(new URL(url).origin);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Signs into the hub at `url` and returns the session token. */
export async function signIn(url: string, email = TEST_OWNER, password = TEST_PASSWORD): Promise<string> {
  const response = await anonymousFetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200)
    throw new Error(`sign-in as ${email}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** Signs in as the owner and makes fetch() to this hub carry that token from then on. */
export async function actAsOwner(url: string): Promise<string> {
  const token = await signIn(url);
  tokens.set(new URL(url).origin, token);
  return token;
}

export function forgetHub(url: string): void {
  tokens.delete(new URL(url).origin);
}

const urlOf = (input: Parameters<typeof fetch>[0]) =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;

globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
  let origin: string | undefined;
  try {
    origin = new URL(urlOf(input)).origin;
  } catch {
    origin = undefined;
  }
  const token = origin ? tokens.get(origin) : undefined;
  if (!token) return anonymousFetch(input, init);
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  if (!headers.has('authorization') && !headers.has('cookie'))
    headers.set('authorization', `Bearer ${token}`);
  return anonymousFetch(input, { ...init, headers });
}) as typeof fetch;

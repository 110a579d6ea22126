// Who is signed in (GET /api/v1/auth/me), in one place: the router's guard loads it, the header
// shows it, views ask it what the current workspace lets them do. The session itself is the
// HttpOnly cookie the hub sets: the page never sees or keeps a token.
import { computed, inject, shallowRef, type App, type InjectionKey, type ShallowRef } from 'vue';
import type {
  KeySessionInput,
  LoginAnswer,
  LoginInput,
  Me,
  PasswordInput,
  Role,
} from '../../../shared/schemas/auth.js';
import { ROLES } from '../../../shared/schemas/auth.js';
import { ApiError, apiFetch, toApiError } from './useApi.js';
import { useWorkspace } from './useWorkspace.js';

/** Why the sign-in page is shown again; it says so above the form. */
export type SignInNotice = 'expired' | 'signedOut' | 'passwordChanged';

export interface Session {
  /** null: not signed in (or not known yet). */
  me: ShallowRef<Me | null>;
  notice: ShallowRef<SignInNotice | null>;
  /** The last sign-in that failed other than by being signed out (hub unreachable, key refused). */
  error: ShallowRef<ApiError | null>;
  /** Reads /auth/me; resolves null when signed out, rejects on any other failure. */
  load(): Promise<Me | null>;
  signIn(input: LoginInput): Promise<Me | null>;
  /** A wall screen signed in with a read key; resolves the key's workspace. */
  keySignIn(key: string): Promise<string>;
  signOut(): Promise<void>;
  changePassword(input: PasswordInput): Promise<void>;
  /** Forgets the session on this page (it ended on the hub). */
  forget(notice: SignInNotice | null): void;
  /** The caller's role in a workspace; null when it is not a member. */
  roleIn(workspace: string | null): Role | null;
}

const rank = (role: Role) => ROLES.indexOf(role);

/** Whether `role` is at least `needed` (viewer < analyst < admin). */
export const atLeast = (role: Role | null, needed: Role) => role !== null && rank(role) >= rank(needed);

export function createSession(): Session {
  const me = shallowRef<Me | null>(null);
  const notice = shallowRef<SignInNotice | null>(null);
  const error = shallowRef<ApiError | null>(null);

  async function load(): Promise<Me | null> {
    try {
      me.value = await apiFetch<Me>('/api/v1/auth/me', { anonymous: true });
      error.value = null;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        error.value = toApiError(err);
        throw err;
      }
      me.value = null;
      error.value = null;
    }
    return me.value;
  }

  function forget(next: SignInNotice | null): void {
    me.value = null;
    notice.value = next;
  }

  return {
    me,
    notice,
    error,
    load,
    async signIn(input) {
      await apiFetch<LoginAnswer>('/api/v1/auth/login', { method: 'POST', body: input, anonymous: true });
      notice.value = null;
      return load();
    },
    async keySignIn(key) {
      const body: KeySessionInput = { key };
      const answer = await apiFetch<{ workspace: string }>('/api/v1/auth/key-session', {
        method: 'POST',
        body,
        anonymous: true,
      });
      notice.value = null;
      await load();
      return answer.workspace;
    },
    async signOut() {
      try {
        await apiFetch('/api/v1/auth/logout', { method: 'POST', anonymous: true });
      } finally {
        forget('signedOut');
      }
    },
    async changePassword(input) {
      await apiFetch('/api/v1/auth/password', { method: 'PUT', body: input });
      // The hub ended every session of this person, this one included.
      forget('passwordChanged');
    },
    forget,
    roleIn(workspace) {
      const current = me.value;
      if (!current || workspace === null) return null;
      if (current.user?.owner) return 'admin';
      return current.workspaces.find((w) => w.id === workspace)?.role ?? null;
    },
  };
}

const SESSION: InjectionKey<Session> = Symbol('session');

export function provideSession(app: App, session: Session): void {
  app.provide(SESSION, session);
}

export function useSession(): Session {
  const session = inject(SESSION);
  if (!session) throw new Error('useSession(): no session provided (see main.ts).');
  return session;
}

/**
 * What the caller may do in the current workspace: `can('analyst')`. The hub refuses anyway; this
 * hides what would only be refused.
 */
export function useCan() {
  const session = useSession();
  const ws = useWorkspace();
  const role = computed(() => session.roleIn(ws.id.value));
  return { role, can: (needed: Role) => atLeast(role.value, needed) };
}

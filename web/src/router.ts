import {
  createRouter,
  createWebHistory,
  type RouteLocationNormalized,
  type RouteRecordRaw,
  type Router,
} from 'vue-router';
import type { Role } from '../../shared/schemas/auth.js';
import type { Session, SignInNotice } from './composables/useSession.js';
import { toApiError } from './composables/useApi.js';
import WallView from './views/WallView.vue';
import { signInRoute } from './lib/sign-in-route.js';

export const VIEWS = ['wall', 'explorer', 'objectives', 'reports', 'quality', 'settings'] as const;
export type View = (typeof VIEWS)[number];

/** The workspace's administration, in the navigation for its admins only. */
export const ADMIN_VIEWS = ['members', 'keys', 'audit'] as const;

declare module 'vue-router' {
  interface RouteMeta {
    /** Open to anyone: no session needed, no header. */
    public?: boolean;
    /** The least role in the current workspace; others see why they cannot use the page. */
    role?: Role;
    /** Shown without a workspace (a person who belongs to none can still change a password). */
    anyWorkspace?: boolean;
  }
}

const routes: RouteRecordRaw[] = [
  // The wall is what a screen opens on: loaded with the page; other views load on first visit.
  { path: '/', redirect: (to) => ({ path: '/wall', query: to.query }) },
  { path: '/wall', name: 'wall', component: WallView },
  { path: '/explorer', name: 'explorer', component: () => import('./views/ExplorerView.vue') },
  { path: '/objectives', name: 'objectives', component: () => import('./views/ObjectivesView.vue') },
  {
    path: '/reports',
    name: 'reports',
    component: () => import('./views/ReportsView.vue'),
    meta: { role: 'analyst' },
  },
  { path: '/quality', name: 'quality', component: () => import('./views/QualityView.vue') },
  { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue') },
  {
    path: '/members',
    name: 'members',
    component: () => import('./views/MembersView.vue'),
    meta: { role: 'admin' },
  },
  { path: '/keys', name: 'keys', component: () => import('./views/KeysView.vue'), meta: { role: 'admin' } },
  {
    path: '/audit',
    name: 'audit',
    component: () => import('./views/AuditView.vue'),
    meta: { role: 'admin' },
  },
  {
    path: '/password',
    name: 'password',
    component: () => import('./views/PasswordView.vue'),
    meta: { anyWorkspace: true },
  },
  {
    path: '/signin',
    name: 'signin',
    component: () => import('./views/SignInView.vue'),
    meta: { public: true },
  },
  { path: '/:rest(.*)*', redirect: (to) => ({ path: '/wall', query: to.query }) },
];

/**
 * Every page but the sign-in needs a session. `?key=cvk_…` on a URL signs the screen in with that
 * read key once, and the URL is replaced without it: a secret must not stay in the address bar or
 * the history.
 */
async function guard(session: Session, to: RouteLocationNormalized) {
  if (to.meta.public) return true;
  const key = to.query.key;
  if (typeof key === 'string' && key) {
    const query = { ...to.query };
    delete query.key;
    try {
      const workspace = await session.keySignIn(key);
      return {
        path: to.path,
        query: { ...query, workspace: query.workspace ?? workspace },
        hash: to.hash,
        replace: true,
      };
    } catch (err) {
      session.error.value = toApiError(err);
      return signInRoute(withQuery(to.path, query), to.query.lang);
    }
  }
  if (session.me.value) return true;
  try {
    if (await session.load()) return true;
  } catch {
    // The hub is unreachable: the page shows session.error with a retry.
    return true;
  }
  return signInRoute(to.fullPath, to.query.lang);
}

function withQuery(path: string, query: RouteLocationNormalized['query']): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== null) search.append(name, item);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

export function createAppRouter(session: Session): Router {
  const router = createRouter({ history: createWebHistory(), routes });
  router.beforeEach((to) => guard(session, to));
  return router;
}

/** The session ended on the hub (expired, revoked, password changed elsewhere): sign in again. */
export function signInAgain(router: Router, session: Session, notice: SignInNotice = 'expired'): void {
  const current = router.currentRoute.value;
  session.forget(notice);
  if (current.meta.public) return;
  void router.push(signInRoute(current.fullPath, current.query.lang));
}

// The workspace every view works in: `?workspace=` in the URL, else the first of those the signed-in
// caller sees (written into the URL so that links carry it). Its competitive set and KPI catalogue are loaded once here
// and shared, with one colour per brand for every chart.
import {
  computed,
  inject,
  shallowRef,
  watch,
  type App,
  type ComputedRef,
  type InjectionKey,
  type ShallowRef,
} from 'vue';
import type { Router } from 'vue-router';
import type { KpiCatalogue } from '../../../shared/schemas/kpi.js';
import type { Me } from '../../../shared/schemas/auth.js';
import type { Brand, Workspace } from '../../../shared/schemas/workspaces.js';
import { brandPalette, brandColor, type BrandStyle } from '../../../shared/palette.js';
import { ApiError, apiFetch, workspacePath } from './useApi.js';

export type KpiInfo = KpiCatalogue['rows'][number];

export interface WorkspaceContext {
  id: ComputedRef<string | null>;
  workspace: ShallowRef<Workspace | null>;
  kpis: ShallowRef<KpiInfo[]>;
  error: ShallowRef<ApiError | null>;
  /** No workspace exists at all. */
  empty: ShallowRef<boolean>;
  /** The workspace in the URL does not exist, or is not one the caller may see. */
  missing: ComputedRef<boolean>;
  own: ComputedRef<Brand | null>;
  palette: ComputedRef<Map<string, BrandStyle>>;
  kpi(id: string): KpiInfo | undefined;
  brandName(id: string): string;
  color(brand: string): string;
  reload(): Promise<void>;
}

const WORKSPACE: InjectionKey<WorkspaceContext> = Symbol('workspace');

/** `me`: the session's caller; nothing is loaded while it is null (signed out). */
export function createWorkspaceContext(router: Router, me: ShallowRef<Me | null>): WorkspaceContext {
  const id = computed(() => {
    const value = router.currentRoute.value.query.workspace;
    return typeof value === 'string' && value ? value : null;
  });
  const workspace = shallowRef<Workspace | null>(null);
  const kpis = shallowRef<KpiInfo[]>([]);
  const error = shallowRef<ApiError | null>(null);
  const empty = shallowRef(false);
  let loading = 0;

  async function load(target: string | null): Promise<void> {
    const mine = ++loading;
    if (me.value === null) {
      // Signed out: what the last caller saw is not this page's any more.
      workspace.value = null;
      kpis.value = [];
      error.value = null;
      empty.value = false;
      return;
    }
    // The sign-in page has no workspace: the one to open is in its ?next=.
    if (router.currentRoute.value.meta.public) return;
    try {
      if (target === null) {
        const first = me.value.workspaces[0];
        empty.value = first === undefined;
        if (first)
          await router.replace({ query: { ...router.currentRoute.value.query, workspace: first.id } });
        return;
      }
      const [ws, catalogue] = await Promise.all([
        apiFetch<Workspace>(workspacePath(target)),
        apiFetch<KpiCatalogue>(workspacePath(target, 'kpis')),
      ]);
      if (mine !== loading) return;
      workspace.value = ws;
      kpis.value = catalogue.rows;
      error.value = null;
      empty.value = false;
    } catch (err) {
      if (mine !== loading) return;
      error.value =
        err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err), 'Reload the page.');
    }
  }

  // Waits for the router's first navigation: before it, the query is not read from the URL yet.
  // A new caller (signed in again, maybe as someone else) loads again too.
  void router.isReady().then(() =>
    watch([id, me, () => router.currentRoute.value.meta.public], () => load(id.value), {
      immediate: true,
    }),
  );

  const palette = computed(() => brandPalette(workspace.value?.brands ?? []));
  const byId = computed(() => new Map(kpis.value.map((k) => [k.id, k])));
  return {
    id,
    workspace,
    kpis,
    error,
    empty,
    missing: computed(() => error.value?.code === 'unknown_workspace'),
    own: computed(() => workspace.value?.brands.find((b) => b.own) ?? null),
    palette,
    kpi: (kpi) => byId.value.get(kpi),
    brandName: (brand) => workspace.value?.brands.find((b) => b.id === brand)?.name ?? brand,
    color: (brand) => brandColor(palette.value, brand),
    reload: () => load(id.value),
  };
}

export function provideWorkspace(app: App, context: WorkspaceContext): void {
  app.provide(WORKSPACE, context);
}

export function useWorkspace(): WorkspaceContext {
  const context = inject(WORKSPACE);
  if (!context) throw new Error('useWorkspace(): no workspace context provided (see main.ts).');
  return context;
}

// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import {
  decodeExplorer,
  encodeExplorer,
  EXPLORER_DEFAULTS,
  useUrlState,
  type ExplorerState,
  type UrlState,
} from '../../../web/src/composables/useUrlState.js';

const states: ExplorerState[] = [
  { ...EXPLORER_DEFAULTS },
  { ...EXPLORER_DEFAULTS, kpi: 'ctr', window: 'mtd', touchpoint: 'search', source: 'google' },
  {
    ...EXPLORER_DEFAULTS,
    window: 'custom',
    from: '2026-11-01',
    to: '2026-11-28',
    brands: ['acme', 'globex'],
  },
  {
    ...EXPLORER_DEFAULTS,
    kpi: 'net_sentiment',
    window: 'custom',
    from: '2026-11-01T00:00:00Z',
    to: '2026-11-02T12:00:00+01:00',
    grain: 'hour',
    bySource: true,
  },
];

describe('explorer state in the URL', () => {
  it.each(states.map((s) => [JSON.stringify(encodeExplorer(s)), s] as const))(
    'round-trips %s',
    (_, state) => {
      expect(decodeExplorer(encodeExplorer(state))).toEqual(state);
    },
  );

  it('writes every choice and leaves empty ones out', () => {
    expect(encodeExplorer(states[1]!)).toEqual({
      kpi: 'ctr',
      window: 'mtd',
      touchpoint: 'search',
      source: 'google',
    });
    expect(encodeExplorer(states[2]!)).toEqual({
      kpi: 'share_of_voice',
      from: '2026-11-01',
      to: '2026-11-28',
      brands: 'acme,globex',
    });
    expect(encodeExplorer(states[3]!)).toMatchObject({ grain: 'hour', by: 'source' });
  });

  it('falls back to defaults on values a hand-edited link gets wrong', () => {
    expect(
      decodeExplorer({
        kpi: 'DROP TABLE',
        window: '13d',
        grain: 'minute',
        brands: 'acme,,Bad Id,acme',
        from: '2026-11-01',
      }),
    ).toEqual({ ...EXPLORER_DEFAULTS, brands: ['acme'] });
  });

  it('reads the first of repeated keys', () => {
    expect(decodeExplorer({ kpi: ['ctr', 'visits'], window: ['7d'] })).toMatchObject({
      kpi: 'ctr',
      window: '7d',
    });
  });
});

describe('useUrlState', () => {
  async function setup(url: string) {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [{ path: '/explorer', component: { render: () => null } }],
    });
    await router.push(url);
    await router.isReady();
    let api!: UrlState<ExplorerState>;
    const Host = defineComponent({
      setup() {
        api = useUrlState();
        return () => h('div');
      },
    });
    mount(Host, { global: { plugins: [router] } });
    return { router, api: () => api };
  }

  it('reads the view from a link', async () => {
    const { api } = await setup('/explorer?workspace=demo&kpi=ctr&from=2026-11-01&to=2026-11-28&brands=acme');
    expect(api().state.value).toEqual({
      ...EXPLORER_DEFAULTS,
      kpi: 'ctr',
      window: 'custom',
      from: '2026-11-01',
      to: '2026-11-28',
      brands: ['acme'],
    });
  });

  it('writes a change into the URL, keeping the keys it does not own', async () => {
    const { router, api } = await setup('/explorer?workspace=demo&lang=fr&kpi=ctr&window=7d');
    await api().update({ window: '28d', source: 'bing', brands: ['acme', 'initech'] });
    await nextTick();
    expect(router.currentRoute.value.query).toEqual({
      workspace: 'demo',
      lang: 'fr',
      kpi: 'ctr',
      window: '28d',
      source: 'bing',
      brands: 'acme,initech',
    });
    expect(api().state.value).toMatchObject({ window: '28d', source: 'bing', brands: ['acme', 'initech'] });
  });

  it('reproduces the same state from the URL it wrote', async () => {
    const first = await setup('/explorer?workspace=demo');
    await first
      .api()
      .update({ kpi: 'visits', window: 'custom', from: '2026-10-01', to: '2026-10-31', grain: 'week' });
    const link = first.router.currentRoute.value.fullPath;
    const second = await setup(link);
    expect(second.api().state.value).toEqual(first.api().state.value);
  });

  it('writes a change of several choices as one navigation', async () => {
    const { router, api } = await setup('/explorer?workspace=demo&kpi=ctr&window=7d&source=bing');
    const seen: string[] = [];
    router.afterEach((to) => void seen.push(to.fullPath));
    await api().update({ kpi: 'visits', window: '28d', source: '', grain: 'day' });
    expect(seen).toHaveLength(1);
    expect(router.currentRoute.value.query).toEqual({
      workspace: 'demo',
      kpi: 'visits',
      window: '28d',
      grain: 'day',
    });
  });

  it('resolves without navigating when nothing changes', async () => {
    const { router, api } = await setup('/explorer?workspace=demo&kpi=ctr&window=7d');
    const seen: string[] = [];
    router.afterEach((to) => void seen.push(to.fullPath));
    await api().update({ kpi: 'ctr' });
    expect(seen).toEqual([]);
    expect(api().state.value).toMatchObject({ kpi: 'ctr', window: '7d' });
  });

  it('follows a URL changed by someone else (a link, the back button)', async () => {
    const { router, api } = await setup('/explorer?workspace=demo&kpi=ctr');
    await router.replace('/explorer?workspace=demo&kpi=visits&window=mtd');
    expect(api().state.value).toMatchObject({ kpi: 'visits', window: 'mtd' });
  });

  it('picks a range when switching to a custom window without one', async () => {
    const { api } = await setup('/explorer?workspace=demo');
    await api().update({ window: 'custom' });
    const { window, from, to } = api().state.value;
    expect(window).toBe('custom');
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(to >= from).toBe(true);
  });
});

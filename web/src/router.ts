import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import WallView from './views/WallView.vue';

export const VIEWS = ['wall', 'explorer', 'objectives', 'quality', 'settings'] as const;
export type View = (typeof VIEWS)[number];

const routes: RouteRecordRaw[] = [
  // The wall is what a screen opens on: loaded with the page; other views load on first visit.
  { path: '/', redirect: (to) => ({ path: '/wall', query: to.query }) },
  { path: '/wall', name: 'wall', component: WallView },
  { path: '/explorer', name: 'explorer', component: () => import('./views/ExplorerView.vue') },
  { path: '/objectives', name: 'objectives', component: () => import('./views/ObjectivesView.vue') },
  { path: '/quality', name: 'quality', component: () => import('./views/QualityView.vue') },
  { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue') },
  { path: '/:rest(.*)*', redirect: (to) => ({ path: '/wall', query: to.query }) },
];

export function createAppRouter() {
  return createRouter({ history: createWebHistory(), routes });
}

// The shared stylesheet first: components' scoped styles come after it and refine it.
import './styles.css';
import { createApp } from 'vue';
import App from './App.vue';
import { liveUrl, LiveClient, provideLive } from './composables/useLive.js';
import { createWorkspaceContext, provideWorkspace } from './composables/useWorkspace.js';
import { i18n } from './i18n.js';
import { createAppRouter } from './router.js';

const router = createAppRouter();
const app = createApp(App);
app.use(router);
app.use(i18n);
provideLive(app, new LiveClient({ url: liveUrl(window.location) }));
provideWorkspace(app, createWorkspaceContext(router));
app.mount('#app');

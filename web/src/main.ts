// The shared stylesheet first: components' scoped styles come after it and refine it.
import './styles.css';
import { createApp, watch } from 'vue';
import App from './App.vue';
import { onSignedOut } from './composables/useApi.js';
import { liveUrl, LiveClient, provideLive } from './composables/useLive.js';
import { createSession, provideSession } from './composables/useSession.js';
import { createWorkspaceContext, provideWorkspace } from './composables/useWorkspace.js';
import { i18n } from './i18n.js';
import { createAppRouter, signInAgain } from './router.js';

const session = createSession();
const router = createAppRouter(session);
// A session that ends while the page is open (expired, signed out elsewhere, password changed,
// member removed, key revoked) shows as a 401 on the next call, or as the socket closed with 4401.
onSignedOut(() => signInAgain(router, session));
const live = new LiveClient({
  url: liveUrl(window.location),
  // The hub refuses a socket without a session: dial once signed in.
  immediate: false,
  onSessionEnded: () => signInAgain(router, session),
  // A workspace deleted while a screen shows it: loading it again turns the page into the one that
  // says it is gone.
  onWorkspaceGone: (id) => {
    if (id === workspaces.id.value) void workspaces.reload();
  },
});
watch(session.me, (me) => (me ? live.connect() : live.suspend()));

const workspaces = createWorkspaceContext(router, session.me);

const app = createApp(App);
app.use(router);
app.use(i18n);
provideSession(app, session);
provideLive(app, live);
provideWorkspace(app, workspaces);
app.mount('#app');

// The console's frame: login, the top navigation and the page of the current hash route.

import { allowed, navFor, navName, parseRoute, refusal, roleName, routeFor } from '../route.js';
import { errorText } from '../errors.js';
import { LEAVE_QUESTION, store } from './store.js';
import Login from './login.js';
import Dashboard from './dashboard.js';
import ItemList from './items.js';
import ItemEditor from './item-editor.js';
import MenuPage from './menus.js';
import AuditLog from './audit.js';
import Reports from './reports.js';
import LoginHistory from './logins.js';
import TemplateList from './templates.js';
import TemplateEditor from './template-editor.js';
import Desk from './desk.js';
import ApplicationPage from './application.js';
import StaffPage from './staff.js';
import OrgPage from './org.js';
import ReviewsPage from './reviews.js';
import ChangePassword from './password.js';
import { TicketList, TicketPage } from './tickets.js';

const { ref, computed, inject, onMounted } = window.Vue;

export default {
  components: { Login, Dashboard, ItemList, ItemEditor, MenuPage, AuditLog, TemplateList, TemplateEditor, Desk,
    ApplicationPage, StaffPage, ChangePassword, TicketList, TicketPage, Reports, LoginHistory, OrgPage, ReviewsPage },
  setup() {
    const api = inject('api');
    const hashRoute = ref(parseRoute(location.hash));
    // a role sees only its pages: a processor opening #/items lands on the workbench
    const route = computed(() => routeFor(hashRoute.value, store.staff));
    const checking = ref(true);
    let shownHash = location.hash;
    window.addEventListener('hashchange', () => {
      if (store.unsaved && !window.confirm(LEAVE_QUESTION)) {
        history.replaceState(null, '', shownHash || '#/'); // stay; replaceState fires no hashchange
        return;
      }
      shownHash = location.hash;
      hashRoute.value = parseRoute(location.hash);
    });

    onMounted(async () => {
      const saved = api.session();
      if (saved) {
        try {
          // The stored token may be stale or revoked: ask the server who we are.
          const me = (await api.get('/api/v1/auth/staff/me')).data;
          if (allowed(me)) store.staff = { ...saved.staff, ...me };
          else {
            store.reason = refusal(me);
            await api.logout();
          }
        } catch (err) {
          store.reason = errorText(err);
        }
      }
      checking.value = false;
    });

    async function logout() {
      await api.logout();
      store.staff = null;
      store.reason = '您已退出登录';
    }

    const who = computed(() => store.staff && `${store.staff.display_name || store.staff.username}（${roleName(store.staff.role)}）`);
    const loggedIn = () => { store.reason = ''; };
    const nav = computed(() => navFor(store.staff));
    return { store, route, checking, logout, who, loggedIn, nav, navName };
  },
  template: `<div v-if="checking" class="boot">正在加载…</div>
  <Login v-else-if="!store.staff" :reason="store.reason" @done="loggedIn"></Login>
  <ChangePassword v-else-if="store.staff.must_change_password" @logout="logout"></ChangePassword>
  <div v-else class="shell">
    <header class="topbar">
      <span class="brand">政务服务运营管理台</span>
      <nav>
        <a v-for="n in nav" :key="n.name" :href="n.href" :class="{ active: navName(route) === n.name }">{{ n.label }}</a>
      </nav>
      <span class="who">{{ who }}</span>
      <button class="btn btn-small" type="button" @click="logout">退出登录</button>
    </header>
    <div v-if="store.notice" class="notice" role="status">{{ store.notice }}</div>
    <main>
      <Dashboard v-if="route.name === 'dashboard'"></Dashboard>
      <ItemList v-else-if="route.name === 'items'"></ItemList>
      <ItemEditor v-else-if="route.name === 'item'" :code="route.code" :key="route.code || 'new'"></ItemEditor>
      <MenuPage v-else-if="route.name === 'menus'" :channel="route.channel" :key="route.channel"></MenuPage>
      <TemplateList v-else-if="route.name === 'templates'" :channel="route.channel" :key="'t-' + route.channel"></TemplateList>
      <TemplateEditor v-else-if="route.name === 'template'" :channel="route.channel" :id="route.id"
        :key="'te-' + route.channel + (route.id || 'new')"></TemplateEditor>
      <AuditLog v-else-if="route.name === 'audit'"></AuditLog>
      <Reports v-else-if="route.name === 'reports'"></Reports>
      <LoginHistory v-else-if="route.name === 'logins'"></LoginHistory>
      <Desk v-else-if="route.name === 'desk'"></Desk>
      <StaffPage v-else-if="route.name === 'staff'"></StaffPage>
      <OrgPage v-else-if="route.name === 'org'"></OrgPage>
      <ReviewsPage v-else-if="route.name === 'reviews'"></ReviewsPage>
      <TicketList v-else-if="route.name === 'tickets'"></TicketList>
      <TicketPage v-else-if="route.name === 'ticket'" :id="route.id" :key="'t-' + route.id"></TicketPage>
      <ApplicationPage v-else-if="route.name === 'application'" :number="route.number" :key="'a-' + route.number"></ApplicationPage>
    </main>
  </div>`,
};

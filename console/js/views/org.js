// 部门与中队 (admins): departments and enforcement teams with their active staff; create one, rename
// it (its code stays, so accounts keep their place), disable or enable it. Staff are assigned in
// 人员管理. The server audits each change and refuses disabling a unit someone still works in.

import { UNIT_KIND_LABELS, unitProblems, unitRow } from '../reviews.js';
import { ErrorBanner, FieldError } from './common.js';
import { notify } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

export default {
  components: { ErrorBanner, FieldError },
  setup() {
    const api = inject('api');
    const units = ref({ departments: [], teams: [] });
    const error = ref(null);
    const busy = ref(false);
    const creating = reactive({ kind: 'department', code: '', name: '' });
    const details = ref({});
    const renaming = reactive({ key: '', name: '' });

    async function load() {
      try {
        units.value = (await api.get('/api/v1/admin/org')).data;
      } catch (err) {
        error.value = err;
      }
    }
    onMounted(load);

    async function act(task) {
      busy.value = true;
      error.value = null;
      try {
        await task();
        await load();
      } catch (err) {
        error.value = err;
        details.value = err.details || {};
        if (err.status === 409) await load();
      } finally {
        busy.value = false;
      }
    }

    const create = () => {
      details.value = Object.fromEntries(Object.entries(unitProblems(creating.kind, creating)).map(([k, v]) => [k, [v]]));
      if (Object.keys(details.value).length) return null;
      return act(async () => {
        const body = { code: creating.code.trim(), name: creating.name.trim() };
        await api.post(`/api/v1/admin/org/${creating.kind}`, body);
        notify(`已新建${UNIT_KIND_LABELS[creating.kind]} ${body.name}`);
        Object.assign(creating, { code: '', name: '' });
      });
    };

    const path = (u) => `/api/v1/admin/org/${u.kind}/${encodeURIComponent(u.code)}`;
    // If-Match: the version shown; a change by another admin in between is a 409, not overwritten
    const put = (u, body) => api.put(path(u), body, { headers: { 'If-Match': `"${u.version}"` } });

    function startRename(u) {
      Object.assign(renaming, { key: `${u.kind}:${u.code}`, name: u.name });
    }
    const saveName = (u) => act(async () => {
      await put(u, { name: renaming.name.trim(), active: u.active });
      notify(`已将${UNIT_KIND_LABELS[u.kind]} ${u.code} 改名为 ${renaming.name.trim()}`);
      renaming.key = '';
    });
    const toggle = (u) => act(async () => {
      await put(u, { name: u.name, active: !u.active });
      notify(`已${u.active ? '停用' : '启用'}${UNIT_KIND_LABELS[u.kind]} ${u.name}`);
    });

    const groups = computed(() => [
      { kind: 'department', title: '部门（办件审核员所属）', rows: units.value.departments.map(unitRow) },
      { kind: 'team', title: '执法中队（执法队员、督察所属）', rows: units.value.teams.map(unitRow) },
    ]);
    return { groups, error, busy, creating, details, renaming, create, startRename, saveName, toggle, UNIT_KIND_LABELS };
  },
  template: `<section class="page org">
    <div class="page-head"><h2>部门与中队</h2></div>
    <ErrorBanner :error="error"></ErrorBanner>
    <form class="card org-form" aria-label="新建部门或中队" @submit.prevent="create" novalidate>
      <label>类型<select v-model="creating.kind" name="kind">
        <option value="department">部门</option><option value="team">执法中队</option></select></label>
      <label>代码<input v-model="creating.code" name="code" maxlength="40" autocomplete="off"
        :placeholder="creating.kind === 'department' ? '如 sjj' : '如 三中队'"></label>
      <label>名称<input v-model="creating.name" name="name" maxlength="40" autocomplete="off"></label>
      <button class="btn btn-primary" type="submit" :disabled="busy">新建</button>
      <FieldError v-for="f in ['code', 'name']" :key="f" :errors="details" :path="f"></FieldError>
    </form>
    <template v-for="g in groups" :key="g.kind">
      <h3>{{ g.title }}</h3>
      <table class="table units" :data-kind="g.kind">
        <thead><tr><th>代码</th><th>名称</th><th>在岗人员</th><th>状态</th><th>操作</th></tr></thead>
        <tbody>
          <tr v-for="u in g.rows" :key="u.code" :data-code="u.code">
            <td class="mono">{{ u.code }}</td>
            <td v-if="renaming.key === u.kind + ':' + u.code">
              <label>新名称<input v-model="renaming.name" maxlength="40" name="rename"></label></td>
            <td v-else>{{ u.name }}</td>
            <td>{{ u.staffText }}</td><td>{{ u.statusText }}</td>
            <td class="nowrap">
              <template v-if="renaming.key === u.kind + ':' + u.code">
                <button class="btn btn-small btn-primary" type="button" @click="saveName(u)" :disabled="busy">保存名称</button>
                <button class="btn btn-small" type="button" @click="renaming.key = ''">取消</button>
              </template>
              <button v-else class="btn btn-small" type="button" @click="startRename(u)" :aria-label="'改名 ' + u.name">改名</button>
              <button class="btn btn-small" type="button" @click="toggle(u)" :disabled="busy || (u.active && !u.canDisable)"
                :aria-label="(u.active ? '停用 ' : '启用 ') + u.name"
                :title="u.active && !u.canDisable ? '还有在岗人员，请先在人员管理中调整他们的归属' : ''">{{ u.active ? '停用' : '启用' }}</button>
            </td>
          </tr>
        </tbody>
      </table>
    </template>
  </section>`,
};

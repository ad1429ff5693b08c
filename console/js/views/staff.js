// 人员管理 (admins): accounts with their role, department or team and status; create one with a
// temporary password, change it, disable it, reset its password. The server audits each.

import { describeAll } from '../errors.js';
import { PASSWORD_RULE, accountRow, emptyAccount, passwordProblem, toBody, toModel } from '../staff.js';
import { ROLE_LABELS } from '../audit.js';
import { ConfirmDialog, ErrorBanner, FieldError } from './common.js';
import { notify } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

export default {
  components: { ErrorBanner, FieldError, ConfirmDialog },
  setup() {
    const api = inject('api');
    const list = ref({ staff: [], roles: [], departments: {}, teams: {}, active_departments: [], active_teams: [] });
    const error = ref(null);
    const editing = ref(null); // null, 'new' or an account id
    const model = reactive(emptyAccount());
    const details = ref({});
    const busy = ref(false);
    const resetting = ref(null);
    const resetPassword = ref('');
    const resetError = ref('');

    async function load() {
      try {
        list.value = (await api.get('/api/v1/admin/staff')).data;
      } catch (err) {
        error.value = err;
      }
    }
    onMounted(load);

    function edit(account) {
      editing.value = account ? account.id : 'new';
      Object.assign(model, account ? toModel(account) : emptyAccount());
      details.value = {};
      error.value = null;
    }

    async function save() {
      busy.value = true;
      error.value = null;
      details.value = {};
      const create = editing.value === 'new';
      try {
        if (create) {
          const problem = passwordProblem(model.password);
          if (problem) {
            details.value = { password: [problem] };
            return;
          }
          await api.post('/api/v1/admin/staff', toBody(model, { create: true }));
          notify(`已创建账号 ${model.username}，首次登录须修改初始密码`);
        } else {
          await api.put(`/api/v1/admin/staff/${editing.value}`, toBody(model));
          notify(`已保存账号 ${model.username}`);
        }
        editing.value = null;
        await load();
      } catch (err) {
        error.value = err;
        details.value = err.details || {};
      } finally {
        busy.value = false;
      }
    }

    function askReset(account) {
      resetting.value = account;
      resetPassword.value = '';
      resetError.value = '';
    }
    async function reset() {
      resetError.value = passwordProblem(resetPassword.value);
      if (resetError.value) return;
      busy.value = true;
      try {
        await api.post(`/api/v1/admin/staff/${resetting.value.id}/password`, { password: resetPassword.value });
        notify(`已重置 ${resetting.value.username} 的密码，其下次登录须修改密码`);
        resetting.value = null;
        await load();
      } catch (err) {
        resetError.value = describeAll(err.details || {}).map((l) => l.message).join('；') || err.message;
      } finally {
        busy.value = false;
      }
    }

    // the active units (部门与中队), and the one the account already has even if since disabled
    function offered(kind) {
      const codes = [...(list.value[`active_${kind}s`] || [])];
      if (model[kind] && !codes.includes(model[kind])) codes.push(model[kind]);
      return codes;
    }

    const rows = computed(() => list.value.staff.map((s) => accountRow(s, list.value.departments)));
    return { list, rows, error, editing, model, details, busy, edit, save, resetting, resetPassword, resetError, askReset,
      reset, offered, ROLE_LABELS, PASSWORD_RULE };
  },
  template: `<section class="page staff">
    <div class="page-head"><h2>人员管理</h2>
      <button class="btn btn-primary" type="button" @click="edit(null)">新建账号</button></div>
    <ErrorBanner :error="error" summary></ErrorBanner>
    <form v-if="editing" class="card staff-form" @submit.prevent="save" novalidate
      :aria-label="editing === 'new' ? '新建账号' : '编辑账号'">
      <h3>{{ editing === 'new' ? '新建账号' : '编辑账号 ' + model.username }}</h3>
      <div class="form-row">
        <label v-if="editing === 'new'">用户名<input v-model="model.username" name="username" maxlength="64" autocomplete="off"></label>
        <label>姓名<input v-model="model.display_name" name="display_name" maxlength="40"></label>
        <label>角色<select v-model="model.role" name="role">
          <option v-for="r in list.roles" :key="r" :value="r">{{ ROLE_LABELS[r] || r }}</option></select></label>
        <label v-if="model.role === 'processor'">部门<select v-model="model.department" name="department">
          <option value="">请选择</option>
          <option v-for="code in offered('department')" :key="code" :value="code">{{ list.departments[code] || code }}</option></select></label>
        <label v-if="model.role === 'inspector' || model.role === 'supervisor'">执法中队<select v-model="model.team" name="team">
          <option value="">请选择</option>
          <option v-for="code in offered('team')" :key="code" :value="code">{{ list.teams[code] || code }}</option></select></label>
        <label v-if="editing === 'new'">初始密码（{{ PASSWORD_RULE }}）<input v-model="model.password" name="password" type="password" autocomplete="new-password" maxlength="256"></label>
        <label class="check"><input type="checkbox" v-model="model.active" name="active">启用</label>
      </div>
      <FieldError v-for="f in ['username', 'display_name', 'role', 'department', 'team', 'password']" :key="f" :errors="details" :path="f"></FieldError>
      <div><button class="btn btn-primary" type="submit" :disabled="busy">保存</button>
        <button class="btn" type="button" @click="editing = null">取消</button></div>
    </form>
    <table class="table accounts">
      <thead><tr><th>用户名</th><th>姓名</th><th>角色</th><th>部门或中队</th><th>状态</th><th>操作</th></tr></thead>
      <tbody>
        <tr v-for="s in rows" :key="s.id" :data-username="s.username">
          <td class="mono">{{ s.username }}</td><td>{{ s.display_name }}</td><td>{{ s.roleText }}</td>
          <td>{{ s.placeText }}</td><td>{{ s.statusText }}</td>
          <td class="nowrap"><button class="btn btn-small" type="button" @click="edit(s)" :aria-label="'编辑 ' + s.username">编辑</button>
            <button class="btn btn-small" type="button" @click="askReset(s)" :aria-label="'重置密码 ' + s.username">重置密码</button></td>
        </tr>
      </tbody>
    </table>
    <ConfirmDialog :open="Boolean(resetting)" :title="'重置 ' + (resetting ? resetting.username : '') + ' 的密码'"
      confirm-text="重置密码" :busy="busy" @confirm="reset" @cancel="resetting = null">
      <p>重置后该账号的所有登录立即失效，下次登录须修改密码。</p>
      <label>临时密码（{{ PASSWORD_RULE }}）<input v-model="resetPassword" type="password" name="reset_password" autocomplete="new-password"></label>
      <p v-if="resetError" class="field-error" role="alert">{{ resetError }}</p>
    </ConfirmDialog>
  </section>`,
};

// A PDF drawn page by page on a canvas with pdf.js (vendor/, loaded only when a PDF is opened, so
// the console's first load does not fetch it). The file is parsed in pdf.js's worker; nothing in it
// runs: no scripting, no forms, no links (annotations are drawn only as the appearance the file gives them).

import { pageStep, pdfProblem } from '../desk.js';

const { ref, watch, nextTick, onMounted, onBeforeUnmount } = window.Vue;

const vendor = (folder) => new URL(`../../vendor/${folder}/`, import.meta.url).href;
const CMAPS = vendor('pdfjs-cmaps');
const WASM = vendor('pdfjs-wasm');
const FONTS = vendor('pdfjs-standard-fonts');
const ICCS = vendor('pdfjs-iccs');
const MAX_PIXELS = 2 ** 24; // 16.7 million: a canvas of 64 MB

let library = null;
function pdfjs() {
  if (!library) {
    library = import('../../vendor/pdf.min.mjs').then((lib) => {
      lib.GlobalWorkerOptions.workerSrc = new URL('../../vendor/pdf.worker.min.mjs', import.meta.url).href;
      return lib;
    });
    library.catch(() => { library = null; }); // a failed download may be tried again
  }
  return library;
}

export default {
  props: { blob: Blob, url: String, name: String, view: Object },
  setup(props) {
    const stage = ref(null);
    const canvas = ref(null);
    const page = ref(1);
    const count = ref(0);
    const problem = ref('');
    const loading = ref(true);
    // pdf.js objects stay outside Vue's reactivity (their private fields break behind a Proxy).
    let task = null;
    let doc = null;
    let rendering = null;
    let drawn = 0;
    let opened = 0;

    function close() {
      if (rendering) rendering.cancel();
      rendering = null;
      doc = null;
      if (task) task.destroy(); // ends the worker too
      task = null;
    }

    async function draw() {
      if (!doc || !canvas.value) return;
      const ticket = ++drawn;
      problem.value = ''; // a page that failed does not hide the others
      try {
        const current = await doc.getPage(page.value);
        if (ticket !== drawn || !canvas.value) return; // a later click took over
        if (rendering) rendering.cancel();
        const rotation = (current.rotate + props.view.rotate) % 360;
        const natural = current.getViewport({ scale: 1, rotation });
        const fit = Math.min(1.5, Math.max(0.2, (stage.value.clientWidth - 24) / natural.width));
        const viewport = current.getViewport({ scale: fit * props.view.zoom, rotation });
        // sharp on a high-density screen, but at most MAX_PIXELS (a 400% zoom would take hundreds of MB)
        const ratio = Math.min(window.devicePixelRatio || 1, Math.sqrt(MAX_PIXELS / (viewport.width * viewport.height)));
        const el = canvas.value;
        el.width = Math.floor(viewport.width * ratio);
        el.height = Math.floor(viewport.height * ratio);
        el.style.width = `${Math.floor(viewport.width)}px`;
        el.style.height = `${Math.floor(viewport.height)}px`;
        rendering = current.render({ canvas: el, canvasContext: el.getContext('2d'), viewport,
          transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0] });
        await rendering.promise;
      } catch (err) {
        if (err && err.name === 'RenderingCancelledException') return;
        if (ticket === drawn) problem.value = pdfProblem(err);
      }
    }

    async function open() {
      close();
      const mine = ++opened;
      problem.value = '';
      loading.value = true;
      count.value = 0;
      page.value = 1;
      try {
        const lib = await pdfjs();
        const data = new Uint8Array(await props.blob.arrayBuffer());
        if (mine !== opened) return;
        // isEvalSupported: pdf.js 4 compiled font outlines with eval; 5 no longer does, kept off either way.
        // cMapUrl: Chinese text in fonts the file does not embed (宋体 by name) needs Adobe's CMaps.
        // wasmUrl: scans in JPEG 2000 (JPX) or JBIG2 and ICC colours are decoded by WebAssembly;
        // standardFontDataUrl: Helvetica, Times, Symbol… named but not embedded; iccUrl: CMYK colours.
        // With all of them given, the worker fetches these files itself (pdf.js's useWorkerFetch).
        task = lib.getDocument({ data, isEvalSupported: false, enableXfa: false, cMapUrl: CMAPS, cMapPacked: true,
          wasmUrl: WASM, standardFontDataUrl: FONTS, iccUrl: ICCS });
        const loaded = await task.promise;
        if (mine !== opened) return; // another file was opened meanwhile
        doc = loaded;
        count.value = doc.numPages;
      } catch (err) {
        if (mine !== opened) return;
        close();
        problem.value = pdfProblem(err);
      } finally {
        if (mine === opened) loading.value = false;
      }
      await nextTick(); // the stage is shown now: its width sets the scale
      await draw();
    }

    function go(delta) {
      const next = pageStep(page.value, count.value, delta);
      if (next === page.value) return;
      page.value = next;
      draw();
    }

    onMounted(() => {
      watch(() => props.blob, open, { immediate: true });
      watch(() => props.view, draw);
    });
    onBeforeUnmount(() => { opened += 1; close(); });
    return { props, stage, canvas, page, count, problem, loading, go };
  },
  template: `<div class="pdf-pages">
    <div v-if="count" class="viewer-bar" role="group" aria-label="翻页">
      <button class="btn btn-small" type="button" :disabled="page <= 1" @click="go(-1)">上一页</button>
      <span class="pdf-page-number" aria-live="polite">第 {{ page }} / {{ count }} 页</span>
      <button class="btn btn-small" type="button" :disabled="page >= count" @click="go(1)">下一页</button>
    </div>
    <p v-if="loading" class="muted">正在打开 PDF…</p>
    <div v-if="problem" class="alert alert-error" role="alert">
      <strong>{{ problem }}</strong> <a :href="props.url" :download="props.name">下载「{{ props.name }}」</a>
    </div>
    <div ref="stage" class="viewer-pages" v-show="count && !problem">
      <canvas ref="canvas" role="img" :aria-label="props.name + '，第 ' + page + ' 页，共 ' + count + ' 页'"></canvas>
    </div>
  </div>`,
};

// The walk engine: reads the trace data overlaylab embedded in #walk-data
// (the JSON of trace-<probe>.json, one per backend on the compare page)
// and the diagrams in <template id="diagram-N">, and steps through the
// hops with the keys, the hop list, the URL fragment and the play button.
// Everything shown comes from the data; nothing here knows a scenario.

const LEGS = ['request', 'reply'];
const PACES = [0.5, 1, 1.5, 2, 4];  // seconds per hop when playing

// ------------------------------------------------------------------ steps

// A step is a position in a leg. With several walks (compare), step i of
// a leg shows each walk's i-th hop of that leg, so the reply legs start
// together; a single walk's steps are simply its hops in order.
function makeSteps(traces) {
  const steps = [];
  for (const leg of LEGS) {
    const longest = Math.max(0, ...traces.map((t) => t.hops.filter((h) => h.leg === leg).length));
    for (let i = 0; i < longest; ++i) steps.push({ leg, index: i });
  }
  return steps;
}

function hopAt(trace, step) {
  const leg = trace.hops.filter((h) => h.leg === step.leg);
  if (leg.length === 0) return { hop: null, past: false };
  const i = Math.min(step.index, leg.length - 1);
  return { hop: leg[i], past: step.index >= leg.length };
}

// ---------------------------------------------------------------- a walk

// One trace: its diagram and its panel (and, alone on a page, its list).
class Walk {
  constructor(spec, diagramPane, panelPane, full) {
    this.trace = spec.trace;
    this.diagram = new Diagram(spec.diagram, diagramPane);
    this.panel = new Panel(panelPane, spec.trace, full);
  }

  show(step, animate) {
    const { hop, past } = hopAt(this.trace, step);
    const note = !hop ? 'no ' + step.leg + ' leg: ' + (this.trace.outcome || 'nothing was captured')
      : past ? 'its ' + step.leg + ' leg ended at hop ' + hop.seq : '';
    this.diagram.show(hop, animate && !past);
    this.panel.show(hop, note);
  }
}

// -------------------------------------------------------------- the page

class Page {
  constructor(spec, title) {
    this.spec = spec;
    this.title = title;
    this.traces = spec.walks.map((w) => w.trace);
    this.steps = makeSteps(this.traces);
    this.at = 0;
    this.timer = 0;
    this.pace = 1.5;
  }

  build() {
    const single = this.spec.walks.length === 1;
    app.className = 'app' + (single ? ' single' : ' compare');
    app.style.setProperty('--columns', this.spec.walks.length);
    app.replaceChildren(this.topbar());
    if (single) {
      this.list = this.hopList();
      const diagram = el('section', { class: 'diagram', 'aria-label': 'diagram' });
      const panel = el('section', { class: 'panel', 'aria-live': 'polite' });
      app.append(this.list, diagram, panel);
      this.walks = [new Walk(this.spec.walks[0], diagram, panel, true)];
    } else {
      if (this.spec.table) app.append(this.summary(this.spec.table));
      this.walks = this.spec.walks.map((w) => {
        const diagram = el('div', { class: 'diagram' });
        const panel = el('div', { class: 'panel' });
        app.append(el('section', { class: 'column', 'data-backend': w.label },
          el('h2', { text: w.label + ' \u00b7 ' + w.trace.hops.length + ' hops' }), diagram, panel));
        return new Walk(w, diagram, panel, false);
      });
    }
    this.fit();
  }

  topbar() {
    const t = this.traces[0];
    this.playButton = el('button', { type: 'button', 'aria-pressed': 'false', title: 'play (p)',
      onclick: () => this.togglePlay() }, 'play');
    const pace = el('select', { 'aria-label': 'pace', title: 'seconds per hop when playing',
      onchange: (e) => { this.pace = Number(e.target.value); if (this.timer) this.play(); } });
    for (const p of PACES) pace.append(el('option', { value: String(p), text: p + ' s/hop' }));
    pace.value = String(this.pace);
    const button = (label, title, action) => el('button', { type: 'button', title, onclick: action }, label);
    return el('header', { class: 'topbar' },
      el('h1', { text: this.title }),
      el('span', { class: 'outcome', text: this.spec.walks.length === 1
        ? t.from + ' \u2192 ' + t.to + ': ' + t.outcome + (t.ttl != null ? ', ttl=' + t.ttl : '') : '' }),
      el('div', { class: 'controls' },
        button('first', 'first hop (Home)', () => this.go(0)),
        button('\u25c0', 'back (Left)', () => this.go(this.at - 1)),
        button('\u25b6', 'next (Right, Space)', () => this.go(this.at + 1, true)),
        button('last', 'last hop (End)', () => this.go(this.steps.length - 1)),
        button('reply', 'the reply leg (r)', () => this.toReply()),
        this.playButton, pace,
        el('span', { class: 'keys', text: '\u2192/Space next \u00b7 \u2190 back \u00b7 Home/End \u00b7 r reply \u00b7 p play' })));
  }

  hopList() {
    const list = el('ol', { class: 'hoplist', 'aria-label': 'hops' });
    let leg = null;
    this.traces[0].hops.forEach((hop, i) => {
      if (hop.leg !== leg) list.append(el('li', { class: 'legname', text: hop.leg }));
      const item = el('li', { class: hop.leg + (hop.leg !== leg ? ' leg-start' : ''), 'data-step': String(i),
        title: hopName(hop) + ' ' + hop.dir, onclick: () => this.go(i, true) },
        el('span', { class: 'n', text: String(hop.seq) }),
        el('span', { class: 'name', text: hopName(hop) + ' ' + hop.dir }));
      leg = hop.leg;
      list.append(item);
    });
    return list;
  }

  summary(table) {
    const head = el('tr');
    for (const cell of table.header) head.append(el('th', { text: cell }));
    const body = el('tbody');
    for (const row of table.rows) {
      const tr = el('tr');
      for (const cell of row) tr.append(el('td', { text: cell }));
      body.append(tr);
    }
    const box = el('section', { class: 'summary' }, el('table', {}, el('thead', {}, head), body));
    for (const note of table.notes || []) box.append(el('p', { class: 'notes', text: note }));
    return box;
  }

  fit() {
    for (const w of this.walks) w.diagram.fit();
  }

  go(i, animate) {
    if (this.steps.length === 0) return;
    const at = Math.max(0, Math.min(this.steps.length - 1, i));
    const moved = at !== this.at;
    this.at = at;
    for (const w of this.walks) w.show(this.steps[at], Boolean(animate) && moved);
    if (this.list)
      for (const item of this.list.querySelectorAll('li[data-step]')) {
        const n = Number(item.dataset.step);
        item.classList.toggle('current', n === at);
        item.classList.toggle('ahead', n > at);
        if (n === at) item.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      }
    this.remember();
  }

  toReply() {
    const first = this.steps.findIndex((s) => s.leg === 'reply');
    if (first >= 0) this.go(first, true);
  }

  // The step in the URL fragment, so a link opens the walk there.
  remember() {
    const hash = '#hop=' + (this.at + 1);
    if (location.hash === hash) return;
    try {
      history.replaceState(null, '', hash);
    } catch (e) {
      location.replace(hash);
    }
  }

  fromHash() {
    const m = /^#hop=(\d+)$/.exec(location.hash);
    return m ? Number(m[1]) - 1 : 0;
  }

  togglePlay() {
    if (this.timer) this.stop();
    else this.play();
  }

  play() {
    clearInterval(this.timer);
    if (this.at >= this.steps.length - 1) this.go(0);
    this.timer = setInterval(() => {
      this.go(this.at + 1, true);
      if (this.at >= this.steps.length - 1) this.stop();
    }, this.pace * 1000);
    this.playButton.setAttribute('aria-pressed', 'true');
    this.playButton.textContent = 'pause';
  }

  stop() {
    clearInterval(this.timer);
    this.timer = 0;
    this.playButton.setAttribute('aria-pressed', 'false');
    this.playButton.textContent = 'play';
  }

  onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target instanceof HTMLSelectElement) return;
    const keys = {
      ArrowRight: () => this.go(this.at + 1, true),
      ' ': () => this.go(this.at + 1, true),
      ArrowLeft: () => this.go(this.at - 1),
      Home: () => this.go(0),
      End: () => this.go(this.steps.length - 1),
      r: () => this.toReply(),
      p: () => this.togglePlay(),
    };
    const action = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
    if (!action) return;
    e.preventDefault();
    action();
  }
}

// ------------------------------------------------------------------ start

const app = document.getElementById('app');

function start() {
  const data = JSON.parse(document.getElementById('walk-data').textContent);
  const pages = data.pages.map((spec) => new Page(spec, spec.title || data.title));
  let page = pages[0];
  if (pages.length > 1) {
    // Several probes (compare): one page each, chosen at the top.
    const choose = el('select', { 'aria-label': 'probe' });
    pages.forEach((p, i) => choose.append(el('option', { value: String(i), text: p.spec.name })));
    choose.addEventListener('change', () => { page.stop(); page = pages[Number(choose.value)]; show(); });
    document.body.prepend(el('nav', { class: 'probes' }, 'probe ', choose));
  }
  const show = () => {
    page.build();
    page.go(page.fromHash());
  };
  document.title = data.title;
  show();
  document.addEventListener('keydown', (e) => page.onKey(e));
  window.addEventListener('hashchange', () => {
    const i = page.fromHash();
    if (i !== page.at) page.go(i, true);
  });
  window.addEventListener('resize', () => { page.fit(); page.go(page.at); });
}

try {
  start();
} catch (e) {
  app.replaceChildren(el('p', { text: 'This walk could not be shown: ' + e.message }));
  throw e;
}

// The walk engine. It reads the trace data overlaylab embedded in
// #walk-data (the same JSON as trace-<probe>.json, one per backend on the
// compare page) and the Graphviz diagrams in <template id="diagram-N">,
// and steps through the hops: the hop's arrows drawn on the diagram with a
// packet marker running along them, and a panel saying what happened there.
// Everything shown comes from the data; nothing here knows a scenario.
(function () {
  'use strict';

  const LEGS = ['request', 'reply'];
  const MIN_TEXT_PX = 14;   // projector legibility: no text smaller than this
  const MAX_SCALE = 2.5;    // a small lab is not blown up beyond this
  const PACES = [0.5, 1, 1.5, 2, 4];  // seconds per hop when playing

  // ---------------------------------------------------------------- helpers

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  function duration(ns) {
    if (ns < 1e6) return (ns / 1e3).toFixed(1) + ' \u00b5s';
    return (ns / 1e6).toFixed(2) + ' ms';
  }

  function parseHex(hex) {
    const out = new Array(hex.length >> 1);
    for (let i = 0; i < out.length; ++i) out[i] = parseInt(hex.substr(2 * i, 2), 16);
    return out;
  }

  function printable(byte) {
    return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
  }

  function hopName(hop) { return hop.host + ':' + hop.if; }

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

  // ---------------------------------------------------------------- diagram

  // The Graphviz drawing: hop arrows carry the classes "hop hop-<seq>
  // part-<k>" (k orders the arrows of one hop), nodes carry their
  // host:interface in <title>.
  class Diagram {
    constructor(templateId, container) {
      const template = document.getElementById(templateId);
      this.container = container;
      this.svg = template.content.querySelector('svg').cloneNode(true);
      this.svg.removeAttribute('width');
      this.svg.removeAttribute('height');
      this.svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
      container.append(this.svg);
      const box = this.svg.viewBox.baseVal;
      this.width = box.width;
      this.height = box.height;
      this.edges = this.indexEdges();
      this.nodes = this.indexNodes();
      this.marker = this.makeMarker();
      this.textScale = null;
      this.current = null;
      this.animation = 0;
    }

    indexEdges() {
      const edges = new Map();
      for (const g of this.svg.querySelectorAll('g.edge.hop')) {
        const seq = /(?:^|\s)hop-(\d+)(?:\s|$)/.exec(g.getAttribute('class'));
        const part = /(?:^|\s)part-(\d+)(?:\s|$)/.exec(g.getAttribute('class'));
        if (!seq) continue;
        const key = Number(seq[1]);
        if (!edges.has(key)) edges.set(key, []);
        edges.get(key).push({ g, part: part ? Number(part[1]) : 0 });
      }
      for (const list of edges.values()) list.sort((a, b) => a.part - b.part);
      return edges;
    }

    indexNodes() {
      const nodes = new Map();
      for (const g of this.svg.querySelectorAll('g.node')) {
        const title = g.querySelector('title');
        if (title) nodes.set(title.textContent, g);
      }
      return nodes;
    }

    makeMarker() {
      const graph = this.svg.querySelector('g.graph') || this.svg;
      const marker = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
      marker.setAttribute('r', '9');
      marker.setAttribute('class', 'marker');
      marker.style.display = 'none';
      graph.append(marker);
      return marker;
    }

    // The smallest text's size in CSS pixels per unit of drawing scale.
    measureText() {
      this.svg.style.width = this.width + 'px';
      this.svg.style.height = this.height + 'px';
      let smallest = Infinity;
      for (const text of this.svg.querySelectorAll('text')) {
        const ctm = text.getScreenCTM();
        const size = parseFloat(text.getAttribute('font-size') || '14');
        if (ctm) smallest = Math.min(smallest, size * Math.hypot(ctm.a, ctm.b));
      }
      return Number.isFinite(smallest) ? smallest : MIN_TEXT_PX;
    }

    // Fits the drawing to its pane; when fitting both ways would make text
    // smaller than MIN_TEXT_PX, fits the width and lets the pane scroll down.
    fit() {
      if (this.textScale === null) this.textScale = this.measureText();
      const style = getComputedStyle(this.container);
      const w = this.container.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const h = this.container.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      if (w <= 0 || h <= 0) return;
      const byWidth = w / this.width;
      const legible = MIN_TEXT_PX / this.textScale;
      const scale = Math.min(byWidth, Math.max(Math.min(byWidth, h / this.height), legible), MAX_SCALE);
      this.svg.style.width = Math.floor(this.width * scale) + 'px';
      this.svg.style.height = Math.floor(this.height * scale) + 'px';
    }

    // Draws the walk up to hop (its arrows current, earlier ones done,
    // later ones hidden) and runs the marker along hop's arrows.
    show(hop, animate) {
      const seq = hop ? hop.seq : 0;
      for (const [key, list] of this.edges)
        for (const { g } of list) {
          g.classList.toggle('ahead', key > seq);
          g.classList.toggle('done', key < seq);
          g.classList.toggle('current', key === seq);
        }
      for (const g of this.nodes.values()) g.classList.remove('here', 'request', 'reply');
      if (!hop) {
        this.marker.style.display = 'none';
        return;
      }
      const node = this.nodes.get(hopName(hop));
      if (node) node.classList.add('here', hop.leg);
      const paths = (this.edges.get(seq) || []).map(({ g }) => g.querySelector('path')).filter(Boolean);
      this.marker.setAttribute('fill', hop.leg === 'reply' ? 'var(--reply)' : 'var(--request)');
      this.run(paths, animate);
      this.reveal(paths.length ? paths[paths.length - 1] : node);
    }

    run(paths, animate) {
      cancelAnimationFrame(this.animation);
      if (paths.length === 0) {
        this.marker.style.display = 'none';
        return;
      }
      const lengths = paths.map((p) => p.getTotalLength());
      const total = lengths.reduce((a, b) => a + b, 0);
      const place = (distance) => {
        let i = 0;
        while (i < paths.length - 1 && distance > lengths[i]) distance -= lengths[i++];
        const point = paths[i].getPointAtLength(Math.min(distance, lengths[i]));
        this.marker.setAttribute('cx', point.x);
        this.marker.setAttribute('cy', point.y);
      };
      this.marker.style.display = '';
      if (!animate) return place(total);
      const start = performance.now();
      const span = 650;
      const frame = (now) => {
        const f = Math.min(1, (now - start) / span);
        place(total * (1 - Math.pow(1 - f, 2)));
        if (f < 1) this.animation = requestAnimationFrame(frame);
      };
      this.animation = requestAnimationFrame(frame);
    }

    // Scrolls the pane (never the page) so that target is in view.
    reveal(target) {
      if (!target) return;
      const pane = this.container.getBoundingClientRect();
      const box = target.getBoundingClientRect();
      if (box.top < pane.top) this.container.scrollTop -= pane.top - box.top + 20;
      else if (box.bottom > pane.bottom) this.container.scrollTop += box.bottom - pane.bottom + 20;
    }
  }

  // ------------------------------------------------------------------ panel

  const FACTS = [
    ['route', 'ip route get'], ['matched', 'route entry'], ['neighbour', 'neighbour'],
    ['fdb', 'FDB entry'], ['bridge', 'bridge'], ['lease', 'lease'],
  ];

  // What happened at one hop. `full` adds the decision's table lines, the
  // commands and the bytes (the compare page's columns leave them out).
  class Panel {
    constructor(container, trace, full) {
      this.container = container;
      this.trace = trace;
      this.full = full;
      this.hop = null;
      this.selected = -1;
    }

    show(hop, note) {
      this.hop = hop;
      const c = this.container;
      c.replaceChildren();
      c.dataset.seq = hop ? hop.seq : '';
      if (!hop) {
        c.append(el('p', { class: 'none', text: note || 'no hop' }));
        return;
      }
      const total = this.trace.hops.length;
      c.append(el('div', { class: 'stepline' },
        el('span', { class: 'stepno', text: 'hop ' + hop.seq + ' of ' + total }),
        el('span', { class: 'badge leg ' + hop.leg, text: hop.leg + ' leg' })));
      if (note) c.append(el('p', { class: 'finished', text: note }));
      c.append(el('h2', { class: 'where' }, hopName(hop) + ' ', el('span', { class: 'dir', text: hop.dir })));
      c.append(this.when(hop));
      if (hop.crossing) c.append(el('div', { class: 'crossing', text: 'user/kernel crossing: ' + hop.crossing }));
      c.append(el('h3', { text: 'Headers, outer first' }), this.layers(hop));
      c.append(el('h3', { text: 'Decision' }), this.decision(hop));
      if (!this.full) return;
      c.append(el('h3', { text: 'See it yourself' }), this.commands(hop));
      this.hex = el('div', { class: 'hex' });
      const captured = hop.bytes ? hop.bytes.length / 2 : 0;
      c.append(el('h3', { text: 'Captured bytes' + (captured ? ' (' + captured + ' of ' + (hop.wire_len || captured) + ')' : '') }),
        this.hex);
      const added = hop.layers.findIndex((l) => l.added);
      this.select(added);
    }

    when(hop) {
      const i = this.trace.hops.indexOf(hop);
      if (i <= 0 || hop.dt_ns == null) return el('div', { class: 'when', text: 'the first sighting of the probe' });
      const previous = this.trace.hops[i - 1];
      return el('div', { class: 'when',
        text: '+' + duration(hop.dt_ns) + ' after hop ' + previous.seq +
          (hop.since_ns != null ? ' \u00b7 ' + duration(hop.since_ns) + ' after hop 1' : '') });
    }

    layers(hop) {
      const list = el('ol', { class: 'layers' });
      for (const gone of hop.removed || [])
        list.append(el('li', { class: 'layer removed', title: 'removed at this hop' },
          el('span', { class: 'mark', text: '\u2212' }), el('span', { class: 'text', text: gone.summary })));
      hop.layers.forEach((layer, i) => {
        const item = el('li', { class: 'layer' + (layer.added ? ' added' : ''), tabindex: '0', role: 'button',
          'data-proto': layer.proto, 'data-index': String(i),
          title: layer.added ? 'added at this hop' : '' },
          el('span', { class: 'swatch l' + (i % 8) }),
          el('span', { class: 'mark', text: layer.added ? '+' : '' }),
          el('span', { class: 'text', text: layer.summary }),
          layer.length != null ? el('span', { class: 'len', text: layer.length + ' B' }) : null);
        item.addEventListener('click', () => this.select(i));
        item.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.select(i); });
        list.append(item);
      });
      return list;
    }

    decision(hop) {
      const d = hop.decision;
      if (!d) return el('p', { class: 'sentence none', text: 'Nothing was decided here: the packet only passed by.' });
      const box = el('div', { class: 'decision' }, el('p', { class: 'sentence', text: d.sentence || '' }));
      if (!this.full) return box;
      const facts = el('dl', { class: 'facts' });
      for (const [key, label] of FACTS)
        if (d[key]) facts.append(el('dt', { text: label }), el('dd', { text: d[key] }));
      if (facts.childElementCount) box.append(facts);
      return box;
    }

    commands(hop) {
      const box = el('div', { class: 'commands' });
      for (const command of hop.commands || []) box.append(el('pre', { text: command }));
      if (!box.childElementCount) box.append(el('p', { class: 'none', text: 'no command shows more here' }));
      return box;
    }

    // Highlights layer i's bytes (and its entry in the header list).
    select(i) {
      this.selected = i;
      for (const item of this.container.querySelectorAll('.layers li[data-index]'))
        item.classList.toggle('selected', Number(item.dataset.index) === i);
      if (this.hex) this.renderHex();
    }

    // Whether a row of n bytes (offset, hex, ASCII) fits the pane's width.
    fits(n) {
      const probe = el('span', { style: 'display:inline-block;white-space:pre', text: '0'.repeat(4 + 3 * n + 1 + n) });
      this.hex.append(probe);
      const fits = probe.offsetWidth + 2 * 10 <= this.hex.clientWidth || this.hex.clientWidth === 0;
      probe.remove();
      return fits;
    }

    renderHex() {
      const hop = this.hop;
      this.hex.replaceChildren();
      if (!hop.bytes) {
        this.hex.append(el('p', { class: 'none', text: 'this trace holds no bytes' }));
        return;
      }
      const bytes = parseHex(hop.bytes);
      const owner = new Array(bytes.length).fill(-1);
      hop.layers.forEach((l, i) => {
        if (l.offset == null) return;
        for (let b = l.offset; b < Math.min(bytes.length, l.offset + l.length); ++b) owner[b] = i;
      });
      const perRow = this.fits(16) ? 16 : 8;
      for (let row = 0; row < bytes.length; row += perRow) {
        // A short last row keeps its ASCII column in line with the others.
        const hex = el('span', { class: 'bytes', style: 'min-width:' + (3 * perRow - 1 + (perRow > 8 ? 1 : 0)) + 'ch' });
        const ascii = el('span', { class: 'ascii' });
        for (let b = row; b < Math.min(bytes.length, row + perRow); ++b) {
          const cls = (owner[b] >= 0 ? ' l' + (owner[b] % 8) : '') + (owner[b] === this.selected && this.selected >= 0 ? ' sel' : '');
          if (b > row) hex.append(b - row === 8 ? '  ' : ' ');
          hex.append(el('span', { class: 'b' + cls, text: bytes[b].toString(16).padStart(2, '0') }));
          ascii.append(el('span', { class: 'a' + cls, text: printable(bytes[b]) }));
        }
        this.hex.append(el('div', { class: 'row' },
          el('span', { class: 'off', text: row.toString(16).padStart(4, '0') }), hex, ascii));
      }
    }
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
})();

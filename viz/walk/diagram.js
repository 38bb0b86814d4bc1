// The Graphviz drawing of the lab with the probe's hops on it: hop arrows
// carry the classes "hop hop-<seq> part-<k>" (k orders one hop's arrows),
// nodes their host:interface in <title>. Shows one hop at a time, the
// path so far behind it and a packet marker running along its arrows.

const MIN_TEXT_PX = 14;   // projector legibility: no text smaller than this
const MAX_SCALE = 2.5;    // a small lab is not blown up beyond this

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
    this.marker.style.fill = hop.leg === 'reply' ? 'var(--reply)' : 'var(--request)';
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

// What happened at one hop, as a panel beside the drawing: where and when,
// the user/kernel crossing, the headers, the decision, the commands that
// show it, and the captured bytes.

// The decision's table lines, labelled as the commands that print them.
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

// Small helpers the other scripts share: building elements, formatting
// times and bytes, naming hops.

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

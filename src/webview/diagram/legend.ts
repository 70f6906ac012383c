// The legend: one small shape per resource kind (same outline as the diagram), the status colours and
// the dot colours. Built from fixed strings only.
import { NODE_KINDS } from '../../diagram/types';

const SVG = 'http://www.w3.org/2000/svg';

/** A 28×16 outline for each kind, echoing the Mermaid shape used in the diagram. */
const OUTLINES: Record<string, string> = {
  gateway: 'M5 1 H23 L27 8 L23 15 H5 L1 8 Z',
  function: 'M8 1 H20 A7 7 0 0 1 20 15 H8 A7 7 0 0 1 8 1 Z',
  queue: 'M1 1 H27 V15 H1 Z M4 1 V15 M24 1 V15',
  'fifo-queue': 'M1 1 H27 V15 H1 Z M4 1 V15 M24 1 V15 M9 8 H19 M16 5 L19 8 L16 11',
  dlq: 'M1 1 H27 V15 H1 Z M4 1 V15 M24 1 V15 M14 4 V10 M14 12 V13',
  topic: 'M14 1 A7 7 0 1 1 13.9 1 Z',
  stream: 'M1 1 H27 V15 H1 Z M5 4 H23 M5 8 H23 M5 12 H23',
  bus: 'M1 1 H27 V15 H1 L6 8 Z',
  bucket: 'M5 1 H23 L27 15 H1 Z',
  table: 'M1 4 A13 3 0 0 1 27 4 V12 A13 3 0 0 1 1 12 Z M1 4 A13 3 0 0 0 27 4',
  legacy: 'M1 1 H27 V15 H1 Z',
  traffic: 'M1 1 H27 L23 15 H5 Z',
  exchange: 'M14 1 L27 8 L14 15 L1 8 Z',
  'rabbit-queue': 'M1 1 H27 V15 H1 Z M4 1 V15 M24 1 V15 M8 5 H20 M8 11 H20',
  'pubsub-topic': 'M14 1 A7 7 0 1 1 13.9 1 Z M14 3.5 A4.5 4.5 0 1 1 13.9 3.5 Z',
  'pubsub-subscription': 'M6 1 H22 A5 5 0 0 1 27 6 V10 A5 5 0 0 1 22 15 H6 A5 5 0 0 1 1 10 V6 A5 5 0 0 1 6 1 Z',
  'kinesis-stream': 'M6 1 H27 L22 15 H1 Z',
};

const STATUS_TEXT: Array<[string, string]> = [
  ['active', 'active'],
  ['retrying', 'retrying'],
  ['dead-lettered', 'dead-lettered'],
  ['throttled', 'throttled'],
  ['error', 'failing'],
];

export function buildLegend(host: HTMLElement): void {
  host.textContent = '';
  const list = document.createElement('ul');
  list.className = 'sl-legend-list';
  for (const kind of NODE_KINDS) {
    const li = document.createElement('li');
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 28 16');
    svg.setAttribute('width', '28');
    svg.setAttribute('height', '16');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', `sl-swatch k_${kind.replace(/[^a-z]/g, '')}`);
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', OUTLINES[kind]);
    svg.append(path);
    li.append(svg, document.createTextNode(` ${kind}`));
    list.append(li);
  }
  for (const [status, text] of STATUS_TEXT) {
    const li = document.createElement('li');
    const dot = document.createElement('span');
    dot.className = `sl-status-swatch sl-status-${status}`;
    dot.setAttribute('aria-hidden', 'true');
    li.append(dot, document.createTextNode(` ${text}`));
    list.append(li);
  }
  for (const [kind, text] of [['message', 'message moving'], ['dead-letter', 'moved to a dead-letter queue'], ['throttled', 'rejected (throttled)']]) {
    const li = document.createElement('li');
    const dot = document.createElement('span');
    dot.className = `sl-dot-swatch sl-dot-${kind}`;
    dot.setAttribute('aria-hidden', 'true');
    li.append(dot, document.createTextNode(` ${text}`));
    list.append(li);
  }
  host.append(list);
}

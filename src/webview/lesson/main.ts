// Runs inside the lesson page webview (browser code, bundled separately from the extension).
// Renders the lesson's markdown under a toolbar that stays in view (the host decides which actions
// apply: src/lessons/pageState.ts), shows the last check run right under it — each check's verdict,
// expected vs actual, its explanation and a link to the page section that explains the rule, then
// the learner's own log lines — and reports what it rendered (tests read it).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { marked } from 'marked';
import type { PageResult, ToolbarButton } from '../../lessons/pageView';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What the host sends: the page's state (toolbar, done, files, last result), a notice, the hints. */
export interface PageStateMessage {
  type: 'state';
  done: boolean;
  started: boolean;
  running: boolean;
  toolbar: ToolbarButton[];
  files: string[];
  result?: PageResult;
  /** Scroll the results into view (a run just finished). */
  reveal?: boolean;
}
type FromHost = PageStateMessage | { type: 'notice'; text: string; tone?: 'info' | 'warning' } | { type: 'hints'; hints: string[] } | { type: 'reveal-section'; section: string };

const vscode = acquireVsCodeApi();
const bar = document.getElementById('toolbar') as HTMLElement;
const results = document.getElementById('results') as HTMLElement;
const notice = document.getElementById('notice') as HTMLElement;
const page = document.getElementById('page') as HTMLElement;
let state: PageStateMessage = JSON.parse((document.getElementById('state-data') as HTMLScriptElement).textContent ?? '{}') as PageStateMessage;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

/** GitHub-style heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
export function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s+/g, '-');
}

/** The heading a check's `section` names: its id, its slug, or a heading whose text contains it. */
function findSection(section: string): HTMLElement | undefined {
  const headings = [...page.querySelectorAll<HTMLElement>('h1, h2, h3, h4')];
  const key = slug(section.replace(/^#/, ''));
  return headings.find((h) => h.id === key) ?? headings.find((h) => h.id.endsWith(`-${key}`) || h.id.startsWith(key)) ?? headings.find((h) => slug(h.textContent ?? '').includes(key));
}

function renderToolbar(): void {
  const buttons = state.toolbar.map((b) => {
    const button = document.createElement('vscode-button') as HTMLElement & { disabled: boolean; secondary: boolean };
    button.id = `action-${b.id}`;
    button.dataset.command = b.id;
    button.textContent = b.label;
    button.title = b.title;
    button.disabled = !b.enabled;
    button.secondary = !b.primary;
    button.toggleAttribute('data-primary', b.primary);
    button.setAttribute('aria-disabled', String(!b.enabled));
    button.addEventListener('click', () => {
      if (!button.disabled) vscode.postMessage({ type: 'command', command: b.id });
    });
    return button;
  });
  const toggle = document.createElement('vscode-button') as HTMLElement & { secondary: boolean };
  toggle.id = 'toggle-done';
  toggle.secondary = true;
  toggle.textContent = state.done ? 'Mark Lesson Not Done' : 'Mark Lesson Done';
  toggle.setAttribute('aria-pressed', String(state.done));
  toggle.addEventListener('click', () => vscode.postMessage({ type: 'setDone', done: !state.done }));
  const status = el('span', { id: 'status', className: 'status' }, state.running ? 'Running the checks…' : state.done ? 'Lesson done ✓' : '');
  status.setAttribute('role', 'status');
  bar.replaceChildren(...buttons, toggle, status);
  document.body.dataset.done = String(state.done);
  document.body.dataset.started = String(state.started);
}

function checkItem(c: PageResult['checks'][number]): HTMLLIElement {
  const verdict = { pass: '✓ passes', fail: '✗ fails', 'not-run': '– not run' }[c.verdict];
  const li = el('li', { className: `check ${c.verdict}` }, el('span', { className: 'verdict' }, verdict), ' ', el('strong', { className: 'check-title' }, c.title));
  li.dataset.check = c.id;
  if (c.verdict === 'fail') {
    li.append(
      el('p', { className: 'message' }, c.message),
      el('dl', { className: 'versus' }, el('dt', {}, 'Expected'), el('dd', {}, c.expected), el('dt', {}, 'Your run'), el('dd', {}, c.actual)),
      el('p', { className: 'explain' }, el('span', { className: 'label' }, 'Why: '), c.hint),
    );
  }
  if (c.verdict !== 'not-run' && c.section) {
    const heading = findSection(c.section);
    if (heading) {
      const link = el('a', { className: 'section-link', href: `#${heading.id}` }, `Read: ${heading.textContent ?? c.section}`);
      link.addEventListener('click', (e) => {
        e.preventDefault();
        heading.scrollIntoView({ block: 'start' });
        heading.focus({ preventScroll: true });
      });
      li.append(' ', link);
    }
  }
  return li;
}

function renderResult(): void {
  const r = state.result;
  if (!r) {
    results.hidden = !state.running;
    results.replaceChildren(state.running ? el('p', { className: 'headline running' }, 'Running the checks…') : '');
    return;
  }
  const parts: Node[] = [el('h2', { className: 'results-title' }, 'Last check run')];
  if (r.status === 'compile-error' && r.error) {
    // One message: the headline, whose file:line:col opens the file there.
    const at = r.error.file ? `${r.error.file}${r.error.line ? `:${r.error.line}${r.error.column ? `:${r.error.column}` : ''}` : ''}` : '';
    const i = at ? r.headline.indexOf(at) : -1;
    const open = el('a', { className: 'error-location', href: '#', title: 'Open it in the editor' }, i >= 0 ? at : 'your file');
    open.addEventListener('click', (e) => {
      e.preventDefault();
      vscode.postMessage({ type: 'openError' });
    });
    parts.push(i >= 0 ? el('p', { className: 'headline compile-error' }, r.headline.slice(0, i), open, r.headline.slice(i + at.length)) : el('p', { className: 'headline compile-error' }, r.headline, ' ', open));
  } else {
    parts.push(el('p', { className: `headline ${r.status}` }, r.headline), el('ol', { className: 'checks' }, ...r.checks.map(checkItem)));
  }
  if (r.logs.length) {
    const lines = r.logs.map((l) => `${l.at.padStart(9)}  ${l.fn}  ${l.invocation}  ${l.text}`).join('\n');
    const more = r.logsDropped ? `\n… and ${r.logsDropped} more line(s) in the test run output` : '';
    const details = el('details', { className: 'logs', open: true }, el('summary', {}, `Your log output (${r.logs.length + r.logsDropped} line${r.logs.length + r.logsDropped === 1 ? '' : 's'})`), el('pre', { className: 'log-lines' }, lines + more));
    parts.push(details);
  } else if (r.status !== 'compile-error') {
    parts.push(el('p', { className: 'no-logs' }, 'Your handler logged nothing (log() and console.log() lines appear here).'));
  }
  if (state.running) parts.unshift(el('p', { className: 'headline running' }, 'Running the checks…'));
  results.replaceChildren(...parts);
  results.hidden = false;
}

/** File names of the exercise in the page's text become links once the files exist. */
function linkFiles(): void {
  for (const code of page.querySelectorAll<HTMLElement>('code')) {
    const name = code.textContent ?? '';
    if (!state.files.includes(name)) continue;
    code.classList.toggle('file-link', state.started);
    code.title = state.started ? `Open ${name}` : `Start Exercise puts ${name} in your workspace`;
    if (!code.dataset.linked) {
      code.dataset.linked = 'true';
      code.addEventListener('click', () => {
        if (state.started) vscode.postMessage({ type: 'openFile', file: name });
      });
    }
  }
}

function render(): void {
  renderToolbar();
  renderResult();
  linkFiles();
}

const hintsSection = document.getElementById('hints') as HTMLElement;
function renderHints(hints: string[]): void {
  const list = document.getElementById('hint-list') as HTMLOListElement;
  list.replaceChildren(...hints.map((h) => el('li', { textContent: h })));
  hintsSection.hidden = hints.length === 0;
}
renderHints(JSON.parse((document.getElementById('hints-data') as HTMLScriptElement).textContent ?? '[]') as string[]);

window.addEventListener('message', (event: MessageEvent<FromHost>) => {
  const m = event.data;
  if (m?.type === 'state') {
    state = m;
    notice.hidden = true;
    render();
    if (m.reveal) {
      // A run just finished: count it (tests wait for the next one) and bring its result into view.
      results.dataset.run = String(Number(results.dataset.run ?? 0) + 1);
      results.scrollIntoView({ block: 'start' });
    }
  } else if (m?.type === 'notice') {
    notice.textContent = m.text;
    notice.dataset.tone = m.tone ?? 'info';
    notice.hidden = false;
    notice.scrollIntoView({ block: 'nearest' });
  } else if (m?.type === 'hints' && Array.isArray(m.hints)) {
    renderHints(m.hints);
  } else if (m?.type === 'reveal-section' && typeof m.section === 'string') {
    // A failing check's link (Test Explorer, CLI): scroll to the section that explains its rule.
    const heading = findSection(m.section);
    if (heading) {
      heading.scrollIntoView({ block: 'start' });
      heading.focus();
    }
  }
});

const markdown = JSON.parse((document.getElementById('markdown') as HTMLScriptElement).textContent ?? '""') as string;
page.innerHTML = marked.parse(markdown, { async: false });
const used = new Set<string>();
for (const h of page.querySelectorAll<HTMLElement>('h1, h2, h3, h4')) {
  let id = slug(h.textContent ?? '') || 'section';
  for (let n = 1; used.has(id); n++) id = `${slug(h.textContent ?? '')}-${n}`;
  used.add(id);
  h.id = id;
  h.tabIndex = -1;
}
// `command:` links in the page's markdown (a webview does not follow them itself): the host runs the
// lesson commands it allows.
page.addEventListener('click', (e) => {
  const a = (e.target as HTMLElement).closest('a');
  const href = a?.getAttribute('href') ?? '';
  const m = /^command:serverlessLab\.(\w+)(?:\?(.*))?$/.exec(href);
  if (!m) return;
  e.preventDefault();
  let args: unknown[] = [];
  try {
    args = m[2] ? (JSON.parse(decodeURIComponent(m[2])) as unknown[]) : [];
  } catch {
    args = [];
  }
  vscode.postMessage({ type: 'commandLink', command: m[1], args: Array.isArray(args) ? args : [args] });
});
render();
vscode.postMessage({ type: 'ready', text: page.innerText });

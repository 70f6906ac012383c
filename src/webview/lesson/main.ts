// Runs inside the lesson page webview (browser code, bundled separately from the extension).
// Renders the lesson's markdown, reports what it rendered, and lets the learner mark the lesson done.
import { marked } from 'marked';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const button = document.getElementById('toggle-done') as HTMLButtonElement;
const status = document.getElementById('status') as HTMLSpanElement;
let done = document.body.dataset.done === 'true';

function render(): void {
  button.textContent = done ? 'Mark as not done' : 'Mark lesson as done';
  button.setAttribute('aria-pressed', String(done));
  status.textContent = done ? 'Lesson done ✓' : '';
  document.body.dataset.done = String(done);
}

button.addEventListener('click', () => {
  done = !done;
  render();
  vscode.postMessage({ type: 'setDone', done });
});

const hintsSection = document.getElementById('hints') as HTMLElement;
function renderHints(hints: string[]): void {
  const list = document.getElementById('hint-list') as HTMLOListElement;
  list.replaceChildren(...hints.map((h) => Object.assign(document.createElement('li'), { textContent: h })));
  hintsSection.hidden = hints.length === 0;
}
renderHints(JSON.parse((document.getElementById('hints-data') as HTMLScriptElement).textContent ?? '[]') as string[]);

for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-command]')) {
  if (document.body.dataset.exercise !== 'true' && b.dataset.command !== 'openDiagram') b.hidden = true;
  b.addEventListener('click', () => vscode.postMessage({ type: 'command', command: b.dataset.command }));
}

window.addEventListener('message', (event: MessageEvent<{ type: string; done?: boolean; hints?: string[] }>) => {
  if (event.data?.type === 'state' && typeof event.data.done === 'boolean') {
    done = event.data.done;
    render();
  } else if (event.data?.type === 'hints' && Array.isArray(event.data.hints)) {
    renderHints(event.data.hints);
  }
});

const page = document.getElementById('page') as HTMLElement;
const markdown = JSON.parse((document.getElementById('markdown') as HTMLScriptElement).textContent ?? '""') as string;
page.innerHTML = marked.parse(markdown, { async: false });
render();
vscode.postMessage({ type: 'ready', text: (document.getElementById('page') as HTMLElement).innerText });

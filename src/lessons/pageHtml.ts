/**
 * The lesson page's HTML, pure (the editor's adapter, src/vscode/lessons/lessonPanel.ts, fills in
 * its webview's URIs and nonce; the browser test loads the same page). The markdown, the hints and
 * the page's state travel as JSON and are rendered by the page's script.
 */
export interface LessonPageParts {
  /** The webview's CSP source (`webview.cspSource`). */
  cspSource: string;
  nonce: string;
  cssUri: string;
  scriptUri: string;
  lesson: { id: string; title: string; exercise: boolean };
  markdown: string;
  hints: readonly string[];
  /** The page's state message (toolbar, done, files, last result). */
  state: { done: boolean } & Record<string, unknown>;
}

export function lessonPageHtml(p: LessonPageParts): string {
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${p.cspSource}; img-src ${p.cspSource} data:; font-src ${p.cspSource}; script-src 'nonce-${p.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(p.cssUri)}">
<title>${escapeHtml(p.lesson.title)}</title>
</head>
<body data-lesson="${escapeHtml(p.lesson.id)}" data-done="${p.state.done}" data-exercise="${p.lesson.exercise}">
<header id="toolbar" class="lesson-toolbar" role="toolbar" aria-label="Lesson actions"></header>
<p id="notice" class="notice" role="alert" hidden></p>
<section id="results" class="results" aria-label="Check results" aria-live="polite" hidden></section>
<section id="hints" aria-label="Hints" hidden><h2>Hints</h2><ol id="hint-list"></ol></section>
<main id="page" tabindex="-1"></main>
<script type="application/json" id="markdown">${json(p.markdown)}</script>
<script type="application/json" id="hints-data">${json(p.hints)}</script>
<script type="application/json" id="state-data">${json(p.state)}</script>
<script nonce="${p.nonce}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

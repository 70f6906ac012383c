/**
 * The diagram webview's HTML: a pure function so the VS Code adapter and the browser test build
 * exactly the same page under exactly the same Content-Security-Policy.
 *
 * CSP: nothing by default; scripts only with the nonce (or from the extension); styles from the
 * extension plus inline (Mermaid injects one <style> per diagram); images and fonts from the extension
 * or data: URIs. No network.
 */

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function diagramCsp(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}' ${cspSource}`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource} data:`,
  ].join('; ');
}

export function diagramHtml(cspSource: string, nonce: string, scriptUri: string, cssUri: string): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(nonce)) throw new RangeError('nonce must be base64 / base64url characters');
  if (/[;\r\n]/.test(cspSource)) throw new RangeError('cspSource must not contain semicolons or line breaks');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(diagramCsp(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(cssUri)}">
<title>Live diagram</title>
</head>
<body>
<div class="sl-app">
  <div class="sl-toolbar" role="toolbar" aria-label="Player controls">
    <vscode-button id="sl-play" class="sl-player-control" appearance="primary" aria-label="Play">Play</vscode-button>
    <vscode-button id="sl-step" class="sl-player-control" secondary aria-label="Step one event">Step</vscode-button>
    <label class="sl-field sl-player-control">Speed
      <vscode-single-select id="sl-speed" aria-label="Speed">
        <vscode-option value="fit" selected>fit (whole run ≈ 25 s)</vscode-option>
        <vscode-option value="1x">1×</vscode-option>
        <vscode-option value="10x">10×</vscode-option>
        <vscode-option value="max">max</vscode-option>
      </vscode-single-select>
    </label>
    <label class="sl-field sl-timeline">Time
      <input id="sl-seek" class="sl-player-control" type="range" min="0" max="0" step="1" value="0" aria-label="Timeline: scrub or replay">
      <output id="sl-time" for="sl-seek">0 ms</output>
    </label>
  </div>
  <div class="sl-stage">
    <div id="sl-diagram" class="sl-diagram" tabindex="-1" aria-label="Architecture diagram: select a node for its recent events, a moving dot for its journey"><p class="sl-muted">Waiting for a topology…</p></div>
    <span id="sl-sampled" class="sl-muted sl-sampled" aria-hidden="true"></span>
  </div>
  <section id="sl-detail" class="sl-detail" tabindex="-1" aria-labelledby="sl-detail-title" hidden>
    <div class="sl-detail-head">
      <h2 id="sl-detail-title"></h2>
      <vscode-button id="sl-detail-close" secondary aria-label="Close the details (Escape)">Close</vscode-button>
    </div>
    <div id="sl-detail-body"></div>
  </section>
  <div class="sl-bottom">
    <vscode-collapsible id="sl-charts-box" title="Charts" open>
      <div id="sl-charts" class="sl-charts"></div>
    </vscode-collapsible>
    <vscode-collapsible id="sl-legend-box" title="Legend">
      <div id="sl-legend" class="sl-legend"></div>
    </vscode-collapsible>
  </div>
  <div id="sl-summary" class="sl-visually-hidden" aria-live="polite" aria-atomic="true"></div>
</div>
<script nonce="${attr(nonce)}" src="${attr(scriptUri)}"></script>
</body>
</html>
`;
}

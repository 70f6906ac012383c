// Mermaid theme variables derived from the VS Code theme (CSS variables on the body), so the
// rendered diagram follows light, dark and high-contrast themes. Re-read on every (re-)render.

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export function currentTheme(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  if (c.contains('vscode-dark')) return 'dark';
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

let probe: CanvasRenderingContext2D | null | undefined;
/** A CSS colour as #rrggbb / rgba(…), which Mermaid's colour maths understands; '' if not a colour. */
function normalise(value: string): string {
  const v = value.trim();
  if (!v) return '';
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return v;
  probe.fillStyle = '#000001';
  probe.fillStyle = v;
  const out = String(probe.fillStyle);
  return out === '#000001' && v !== '#000001' ? '' : out;
}

function cssVar(name: string, fallback: string): string {
  return normalise(getComputedStyle(document.body).getPropertyValue(name)) || fallback;
}

export function themeVariables(theme: ThemeKind): Record<string, string> {
  const dark = theme === 'dark' || theme === 'high-contrast';
  const hc = theme.startsWith('high-contrast');
  const fg = cssVar('--vscode-editor-foreground', dark ? '#cccccc' : '#333333');
  const bg = cssVar('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff');
  const nodeBg = cssVar('--vscode-editorWidget-background', dark ? '#252526' : '#f3f3f3');
  const border = hc ? cssVar('--vscode-contrastBorder', dark ? '#6fc3df' : '#0f4a85') : cssVar('--vscode-focusBorder', dark ? '#007fd4' : '#0090f1');
  const line = hc ? fg : cssVar('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171');
  const cluster = cssVar('--vscode-sideBar-background', nodeBg);
  const font = getComputedStyle(document.body).getPropertyValue('--vscode-font-family').trim() || 'system-ui, sans-serif';
  return {
    darkMode: String(dark),
    background: bg,
    primaryColor: nodeBg,
    primaryTextColor: fg,
    primaryBorderColor: border,
    secondaryColor: nodeBg,
    tertiaryColor: cluster,
    lineColor: line,
    textColor: fg,
    mainBkg: nodeBg,
    nodeBorder: border,
    clusterBkg: cluster,
    clusterBorder: border,
    titleColor: fg,
    edgeLabelBackground: bg,
    fontFamily: font,
    fontSize: '13px',
  };
}

// The click-through panel under the diagram: a node's recent events (a table whose message ids are
// buttons) or one message's journey drawn as a Mermaid sequence diagram. The host sends the data
// (nodeEvents / journey / selectionError); this only draws it. Escape or Close hides the panel and
// gives focus back to whatever opened it (the node, or the diagram when a dot has since vanished).
import type { DetailShownMessage, JourneyMessage, NodeEventsMessage, SelectionErrorMessage } from '../../diagram/protocol';
import { describeCounters, seconds } from '../../diagram/words';

export type DetailWhat = DetailShownMessage['what'];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

export class DetailPanel {
  private opener: HTMLElement | SVGElement | null = null;
  private shown: { what: DetailWhat; id: string } | undefined;
  private journeys = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly title: HTMLElement,
    private readonly body: HTMLElement,
    close: HTMLElement,
    /** Where focus goes on close when the opener is gone. */
    private readonly fallbackFocus: HTMLElement,
    private readonly renderSequence: (renderId: string, source: string) => Promise<string>,
    private readonly post: (m: DetailShownMessage | { type: 'selectMessage'; id: string }) => void,
  ) {
    close.addEventListener('click', () => this.close());
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        this.close();
      }
    });
    body.addEventListener('click', (event) => {
      const button = (event.target as Element).closest?.('button[data-message]') as HTMLButtonElement | null;
      if (button?.dataset.message) this.post({ type: 'selectMessage', id: button.dataset.message });
    });
  }

  /** What the panel shows now (tests read it through the `state` report). */
  get current(): { what: DetailWhat; id: string } | undefined {
    return this.shown;
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  /** Remember what the learner clicked, to give focus back on close (kept while the panel is open). */
  openedFrom(target: Element | null): void {
    if (this.isOpen && this.opener?.isConnected) return;
    this.opener = target instanceof HTMLElement || target instanceof SVGElement ? target : null;
  }

  showNode(m: NodeEventsMessage): void {
    this.title.textContent = `${m.kind} ${m.id}: recent events`;
    const counters = el('p', describeCounters(m.counters), 'sl-muted');
    const rows: HTMLElement[] = [counters];
    if (m.events.length === 0) rows.push(el('p', `No events for ${m.id} in the last ${m.window} trace records.`, 'sl-muted'));
    else {
      const table = el('table', undefined, 'sl-events');
      const caption = el('caption', `Last ${m.events.length} events, newest first`, 'sl-visually-hidden');
      const head = el('tr');
      for (const h of ['Time', 'Event', 'Message', 'Detail']) head.append(el('th', h));
      table.append(caption, el('thead'), el('tbody'));
      table.tHead!.append(head);
      for (const e of m.events) {
        const tr = el('tr');
        const id = el('td');
        if (e.id !== undefined) {
          const b = el('button', e.id, 'sl-link');
          b.type = 'button';
          b.dataset.message = e.id;
          b.title = `Show the journey of ${e.id}`;
          id.append(b);
        }
        tr.append(el('td', seconds(e.t)), el('td', e.at ? `${e.kind} (at ${e.at})` : e.kind), id, el('td', e.detail));
        table.tBodies[0].append(tr);
      }
      rows.push(table);
    }
    this.body.replaceChildren(...rows);
    this.open('node', m.id);
  }

  async showJourney(m: JourneyMessage): Promise<void> {
    this.title.textContent = `Journey of ${m.id}`;
    const note = el('p', m.records > 0 ? `${m.records} trace records, oldest first.` : `No records of ${m.id} are left in the host's trace window.`, 'sl-muted');
    const figure = el('div', undefined, 'sl-sequence');
    this.body.replaceChildren(note, figure);
    const renderId = `slj${++this.journeys}`;
    try {
      figure.innerHTML = await this.renderSequence(renderId, m.source);
      figure.querySelector('svg')?.setAttribute('aria-label', `Sequence diagram of the journey of ${m.id}`);
      this.open('journey', m.id);
    } catch (error) {
      document.getElementById(`d${renderId}`)?.remove();
      figure.replaceChildren(el('p', `Could not draw the journey: ${error instanceof Error ? error.message : String(error)}`, 'sl-error'));
      this.open('journey', m.id, figure.textContent ?? 'error');
    }
  }

  showError(m: SelectionErrorMessage): void {
    this.title.textContent = 'Nothing to show';
    this.body.replaceChildren(el('p', m.message, 'sl-error'));
    this.open('error', m.field, m.message);
  }

  private open(what: DetailWhat, id: string, error?: string): void {
    this.shown = { what, id };
    this.root.hidden = false;
    this.root.focus();
    const m: DetailShownMessage = { type: 'detailShown', what, id, ok: error === undefined };
    if (error !== undefined) m.error = error;
    this.post(m);
  }

  close(): void {
    if (!this.isOpen) return;
    this.root.hidden = true;
    this.shown = undefined;
    const back = this.opener?.isConnected ? this.opener : this.fallbackFocus;
    this.opener = null;
    back.focus();
  }
}

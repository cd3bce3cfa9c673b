/**
 * Notebook integration: the "Explain this error" button under every error output (it
 * does not depend on the kernel's auto-capture), the inline answer under the cell, the
 * insert/replace commands' cell edits, and the comm to each LearnFlow kernel (which also
 * carries the student's saved preferences to it, see preferences.ts).
 */
import type { Cell, CodeCell } from '@jupyterlab/cells';
import { INotebookTracker, Notebook, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Panel } from '@lumino/widgets';
import { CardHandlers, renderReply } from './card';
import { button, h } from './dom';
import { latestReply } from './events';
import { stripAnsi } from './model';
import type { LearnFlowStore } from './store';

export const EXPLAIN_CLASS = 'lf-explain';

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string;
  index: number;
}

/** The cell's first error output, if any. */
export function cellError(cell: Cell): CellError | null {
  if (cell.model.type !== 'code') {
    return null;
  }
  const outputs = (cell as CodeCell).model.outputs;
  for (let i = 0; i < outputs.length; i++) {
    const out = outputs.get(i).toJSON() as any;
    if (out.output_type === 'error') {
      const tb = Array.isArray(out.traceback) ? out.traceback.join('\n') : String(out.traceback ?? '');
      return { ename: String(out.ename ?? 'Error'), evalue: String(out.evalue ?? ''), traceback: stripAnsi(tb), index: i };
    }
  }
  return null;
}

/** A kernel card's plain text starts with its header: "🩺 Debug agent · done · …". */
const CARD_HEADER = /^\S+ [\w -]+ · (working|streaming|done|error)\b/u;

/**
 * The index among the cell's outputs of the LearnFlow card the kernel showed for its error
 * (marked `metadata.learnflow.card`; older kernels by their header), or -1.
 */
export function kernelCardIndex(cell: Cell): number {
  if (cell.model.type !== 'code') {
    return -1;
  }
  const outputs = (cell as CodeCell).model.outputs;
  for (let i = 0; i < outputs.length; i++) {
    const out = outputs.get(i).toJSON() as any;
    if (out.output_type !== 'display_data') {
      continue;
    }
    const text = Array.isArray(out.data?.['text/plain']) ? out.data['text/plain'].join('') : String(out.data?.['text/plain'] ?? '');
    if (out.metadata?.learnflow?.card || CARD_HEADER.test(text)) {
      return i;
    }
  }
  return -1;
}

export class NotebookIntegration {
  /** Inline answer hosts per query id. */
  private inline = new Map<string, { host: HTMLElement; cell: Cell }>();
  private hooked = new WeakSet<Cell>();

  constructor(
    tracker: INotebookTracker,
    private readonly store: LearnFlowStore,
    private readonly handlers: CardHandlers,
    private readonly openSidebar: () => void
  ) {
    tracker.widgetAdded.connect((_, panel) => this.watchPanel(panel));
    tracker.forEach(panel => this.watchPanel(panel));
    NotebookActions.executed.connect((_, args) => this.decorate(args.cell));
    store.changed.connect(() => this.renderInline());
  }

  private watchPanel(panel: NotebookPanel): void {
    const hookAll = () => panel.content.widgets.forEach(cell => this.hookCell(cell));
    void panel.context.ready.then(hookAll);
    panel.content.model?.cells.changed.connect(() => setTimeout(hookAll, 0));
    panel.content.modelChanged.connect(() => {
      panel.content.model?.cells.changed.connect(() => setTimeout(hookAll, 0));
      setTimeout(hookAll, 0);
    });
  }

  private hookCell(cell: Cell): void {
    if (this.hooked.has(cell) || cell.model.type !== 'code') {
      return;
    }
    this.hooked.add(cell);
    (cell as CodeCell).model.outputs.changed.connect(() =>
      setTimeout(() => {
        this.removeStaleBars(cell);
        this.decorate(cell);
      }, 0)
    );
    this.decorate(cell);
  }

  /** Add the button under the cell's error output (idempotent). */
  decorate(cell: Cell): void {
    this.hookCell(cell);
    const error = cellError(cell);
    if (!error) {
      return;
    }
    const area = (cell as CodeCell).outputArea;
    const child = area?.widgets[error.index] as Panel | undefined;
    if (!area || !child) {
      return;
    }
    // The bar goes right after the error output, outside the traceback's (pink) box.
    const next = child.node.nextElementSibling;
    if (next?.classList.contains('lf-explain-bar')) {
      return;
    }
    const host = h('div', { class: 'lf-inline', 'aria-live': 'polite' });
    const explain = button('Explain this error', () => void this.explain(cell, host), {
      class: `jp-Button lf-button lf-primary ${EXPLAIN_CLASS}`,
      'aria-label': `Explain this error with LearnFlow: ${error.ename}`,
      title: 'Ask LearnFlow why this failed and how to fix it (Alt+Shift+E)'
    });
    child.node.insertAdjacentElement('afterend', h('div', { class: 'lf-explain-bar' }, explain, host));
  }

  /** Bars left behind by outputs that are gone (the cell ran again, outputs cleared). */
  private removeStaleBars(cell: Cell): void {
    const area = (cell as CodeCell).outputArea;
    if (!area) {
      return;
    }
    const error = cellError(cell);
    const keep = error ? (area.widgets[error.index]?.node.nextElementSibling ?? null) : null;
    area.node.querySelectorAll(':scope > .lf-explain-bar').forEach(bar => {
      if (bar !== keep) {
        bar.remove();
      }
    });
  }

  /**
   * The answer this error already has: the kernel's card among the outputs, or the one an
   * earlier click put under it. One error, one answer.
   */
  existingAnswer(cell: Cell): HTMLElement | null {
    const index = kernelCardIndex(cell);
    const area = (cell as CodeCell).outputArea;
    if (index >= 0 && area?.widgets[index]) {
      return area.widgets[index].node;
    }
    for (const { host, cell: owner } of this.inline.values()) {
      if (owner === cell && host.isConnected && host.querySelector('.lf-card, .lf-working')) {
        return host;
      }
    }
    return null;
  }

  /** Scroll to an answer and make it stand out for a moment. */
  private showAnswer(answer: HTMLElement, host?: HTMLElement): void {
    answer.scrollIntoView?.({ block: 'center', behavior: 'smooth' });
    answer.classList.add('lf-flash');
    setTimeout(() => answer.classList.remove('lf-flash'), 2000);
    if (host && host !== answer) {
      host.replaceChildren(h('em', { class: 'lf-already' }, 'LearnFlow already answered this error: the answer is below.'));
    }
  }

  /** Send the cell's error; the answer fills the sidebar and the inline host. */
  async explain(cell: Cell, host?: HTMLElement): Promise<string | null> {
    const error = cellError(cell);
    if (!error) {
      return null;
    }
    if (!host) {
      this.decorate(cell);
      host = cell.node.querySelector('.lf-inline') as HTMLElement | undefined;
    }
    const answered = this.existingAnswer(cell);
    if (answered) {
      this.showAnswer(answered, host);
      return null;
    }
    this.openSidebar();
    const label = `${error.ename}: ${error.evalue}`.slice(0, 300);
    host?.replaceChildren(h('em', { class: 'lf-working' }, 'Asking LearnFlow…'));
    try {
      const id = await this.store.ask(
        {
          text: label,
          code: cell.model.sharedModel.getSource().slice(0, 100_000) || null,
          traceback: error.traceback.slice(-50_000) || null,
          source: 'jupyterlab-explain'
        },
        label
      );
      if (host) {
        this.inline.set(id, { host, cell });
        this.renderInline();
      }
      return id;
    } catch (err) {
      host?.replaceChildren(h('span', { class: 'lf-error' }, err instanceof Error ? err.message : String(err)));
      return null;
    }
  }

  private renderInline(): void {
    for (const [id, { host, cell }] of this.inline) {
      if (!host.isConnected && cell.isDisposed) {
        this.inline.delete(id);
        continue;
      }
      const reply = latestReply(this.store.activity, id);
      const q = this.store.activity.queries.find(item => item.queryId === id);
      if (reply) {
        if (host.dataset.replyId !== (reply.reply_id ?? 'x') || host.dataset.hints !== String(this.handlers.hintsShown(reply))) {
          host.dataset.replyId = reply.reply_id ?? 'x';
          host.dataset.hints = String(this.handlers.hintsShown(reply));
          host.replaceChildren(renderReply(reply, { ...this.handlers, insertBelow: (code, r) => this.handlers.insertBelow(code, r, cell), replaceCell: (code, r) => this.handlers.replaceCell(code, r, cell) }, { compact: true }));
        }
      } else if (q) {
        const step = q.steps[q.steps.length - 1];
        host.replaceChildren(h('em', { class: 'lf-working' }, step ? `${step.agent}: ${step.status}…` : 'Asking LearnFlow…'));
      }
    }
  }
}

/** Put code in a new cell below `cell` (default: the active cell) and select it. */
export function insertBelow(notebook: Notebook, code: string, cell?: Cell | null): void {
  if (cell) {
    const index = notebook.widgets.indexOf(cell);
    if (index >= 0) {
      notebook.activeCellIndex = index;
    }
  }
  NotebookActions.insertBelow(notebook);
  const active = notebook.activeCell;
  if (active && active.model.type !== 'code') {
    NotebookActions.changeCellType(notebook, 'code');
  }
  notebook.activeCell?.model.sharedModel.setSource(code);
  notebook.mode = 'command';
  // Keyboard focus back on the notebook: Shift+Enter runs the new cell.
  notebook.activate();
}

export function replaceCell(notebook: Notebook, code: string, cell?: Cell | null): void {
  const target = cell ?? notebook.activeCell;
  target?.model.sharedModel.setSource(code);
}

export { KERNEL_COMMANDS, KernelComms, PREFERENCES_CHANGED, registerKernelBridge } from './kernelbridge';

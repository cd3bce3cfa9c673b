/**
 * The `learnflow.commands` comm to each kernel (learnflow_ext/kernel/frontend.py): the
 * kernel's cards ask this frontend to insert or replace cells, the frontend pushes the
 * student's saved preferences (data, never code), and a kernel that saved preferences
 * says so. A card's streamed text comes as new text only (`stream`), appended here, so a
 * long answer crosses the wire once. Free of JupyterLab's runtime modules, so it is tested
 * on its own.
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import type { ServerPreferences } from './preferences';

/** Commands the kernel may run through the `learnflow.commands` comm. */
export const KERNEL_COMMANDS = ['learnflow:insert-fix-below', 'learnflow:replace-cell-with-fix'];

/** A kernel's own save of the preferences (`%learnflow config`); no answer is expected. */
export const PREFERENCES_CHANGED = 'preferences-changed';

/** A card's new streamed text (learnflow_ext/widgets/card.py); no answer is expected. */
export const STREAM = 'stream';

/** An element showing a card's streamed text (`<pre data-learnflow-stream="card id">`). */
export interface StreamTarget {
  textContent: string | null;
}

function inDocument(card: string): Iterable<StreamTarget> {
  if (typeof document === 'undefined') {
    return [];
  }
  return document.querySelectorAll(`[data-learnflow-stream="${CSS.escape(card)}"]`);
}

/**
 * The streamed text of each card, from the kernel's `stream` messages: the new text and the
 * offset it starts at. The kernel drew the first part itself, so the first message continues
 * what an element already shows; text that cannot be placed is left out (the finished answer
 * replaces it all). Set as text, never as HTML.
 */
export class StreamedText {
  private texts = new Map<string, string>();

  constructor(private find: (card: string) => Iterable<StreamTarget> = inDocument) {}

  apply(data: { card?: unknown; offset?: unknown; text?: unknown; end?: unknown }): void {
    const card = typeof data.card === 'string' ? data.card : '';
    if (!card) {
      return;
    }
    if (data.end) {
      this.texts.delete(card);
      return;
    }
    const offset = Number(data.offset);
    let known = this.texts.get(card);
    if (known === undefined || known.length !== offset) {
      known = undefined;
      for (const element of this.find(card)) {
        if ((element.textContent ?? '').length === offset) {
          known = element.textContent ?? '';
          break;
        }
      }
    }
    if (known === undefined) {
      return;
    }
    const text = known + String(data.text ?? '');
    this.texts.set(card, text);
    for (const element of this.find(card)) {
      element.textContent = text;
    }
  }
}

/** The open `learnflow.commands` comm of each kernel, by kernel id: where preferences are pushed. */
export class KernelComms {
  private comms = new Map<string, Kernel.IComm>();

  set(kernelId: string, comm: Kernel.IComm): void {
    this.comms.set(kernelId, comm);
  }

  delete(kernelId: string, comm: Kernel.IComm): void {
    if (this.comms.get(kernelId) === comm) {
      this.comms.delete(kernelId);
    }
  }

  /** Tell every kernel the saved preferences (data only: the kernel applies them itself). */
  pushPreferences(saved: ServerPreferences): void {
    for (const [kernelId, comm] of this.comms) {
      try {
        comm.send({ command: 'preferences', preferences: saved as any });
      } catch {
        this.comms.delete(kernelId); // a dead kernel; the next one reads the record when it starts
      }
    }
  }
}

export interface BridgeOptions {
  /** Where the kernel's comm is kept for pushes. */
  comms?: KernelComms;
  /** The kernel saved preferences. */
  preferencesChanged?: () => void;
  /** Where streamed text is appended (default: the cards in this document). */
  streamed?: StreamedText;
}

export function registerKernelBridge(
  kernel: Kernel.IKernelConnection,
  run: (command: string, args: Record<string, unknown>) => Promise<unknown>,
  options: BridgeOptions = {}
): void {
  const streamed = options.streamed ?? new StreamedText();
  const serve = (comm: Kernel.IComm) => {
    options.comms?.set(kernel.id, comm);
    const handle = (data: any) => {
      // Every answer names the request it answers (the kernel may have several in flight).
      const answer = (reply: Record<string, unknown>) =>
        comm.send({ command: data.command, ...(data.request_id ? { request_id: data.request_id } : {}), ...reply });
      if (data && data.command === PREFERENCES_CHANGED) {
        options.preferencesChanged?.();
      } else if (data && data.command === STREAM) {
        streamed.apply(data);
      } else if (data && data.command === 'hello') {
        // The kernel asks whether this frontend can insert and replace cells at once (and
        // learns that it appends streamed text).
        answer({ ok: true, commands: KERNEL_COMMANDS, streams: true });
      } else if (data && KERNEL_COMMANDS.includes(data.command)) {
        void run(data.command, (data.args ?? {}) as Record<string, unknown>)
          .then(() => answer({ ok: true }))
          .catch(err => answer({ ok: false, error: String(err instanceof Error ? err.message : err) }));
      } else if (data && data.command) {
        answer({ ok: false, error: 'not allowed' });
      }
    };
    comm.onMsg = msg => handle(msg.content.data);
    comm.onClose = () => options.comms?.delete(kernel.id, comm);
    return handle;
  };
  try {
    // A kernel that loads LearnFlow after this opens the comm itself, with a hello.
    kernel.registerCommTarget('learnflow.commands', (comm: Kernel.IComm, open: KernelMessage.ICommOpenMsg) => {
      serve(comm)(open.content.data);
    });
  } catch {
    /* already registered on this kernel */
  }
  try {
    // A kernel that already has LearnFlow (the LearnFlow kernel preloads it) learns of this
    // frontend now; a kernel without it closes the comm, which is harmless.
    const comm = kernel.createComm('learnflow.commands');
    serve(comm);
    void Promise.resolve(comm.open({ command: 'frontend-hello', commands: KERNEL_COMMANDS, streams: true })).catch(
      () => undefined
    );
  } catch {
    /* the kernel is gone or has no comms */
  }
}

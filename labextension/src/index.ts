import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import type { Cell } from '@jupyterlab/cells';
import { INotebookTracker, Notebook } from '@jupyterlab/notebook';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabIcon } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { LearnFlowApi } from './api';
import type { CardHandlers } from './card';
import { askAgentQuery, bestCode } from './model';
import { KernelComms, registerKernelBridge } from './kernelbridge';
import { NotebookIntegration, cellError, insertBelow, replaceCell } from './notebook';
import { PreferencesSync, SettingsView, fromServer } from './preferences';
import { LearnFlowSidebar } from './sidebar';
import { DEFAULT_PREFERENCES, LearnFlowStore, Preferences } from './store';
import type { AgentReply } from './types';

export const PLUGIN_ID = 'learnflow-jupyterlab:plugin';

export namespace CommandIDs {
  export const open = 'learnflow:open';
  export const ask = 'learnflow:ask';
  export const explainError = 'learnflow:explain-error';
  export const reviewCell = 'learnflow:review-cell';
  export const insertFixBelow = 'learnflow:insert-fix-below';
  export const replaceWithFix = 'learnflow:replace-cell-with-fix';
  export const progress = 'learnflow:progress-report';
  export const reconnect = 'learnflow:reconnect';
}

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M12 3 1 9l11 6 9-4.9V17h2V9L12 3zm-7 9.2v4L12 20l7-3.8v-4L12 16l-7-3.8z"/></svg>`;
export const learnflowIcon = new LabIcon({ name: 'learnflow:icon', svgstr: ICON_SVG });

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'LearnFlow: live tutor activity, replies, progress, and one-click "Explain this error".',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [ICommandPalette, ISettingRegistry, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null
  ) => {
    const store = new LearnFlowStore(new LearnFlowApi(app.serviceManager.serverSettings));
    const { commands } = app;

    const currentNotebook = () => tracker.currentWidget?.content ?? null;
    const handlers: CardHandlers = {
      renderMarkdown: (host, markdown) => {
        const renderer = rendermime.createRenderer('text/markdown');
        host.append(renderer.node);
        void renderer.renderModel(new MimeModel({ data: { 'text/markdown': markdown } }));
      },
      insertBelow: (code, reply, cell) =>
        void commands.execute(CommandIDs.insertFixBelow, { code, replyId: reply.reply_id ?? '', _cell: cell as any }),
      replaceCell: (code, reply, cell) =>
        void commands.execute(CommandIDs.replaceWithFix, { code, replyId: reply.reply_id ?? '', _cell: cell as any }),
      revealHint: reply => store.revealHint(reply.reply_id ?? reply.query_id),
      hintsShown: reply => store.hintsShown.get(reply.reply_id ?? reply.query_id) ?? 0,
      explainConcept: concept => void sidebar.ask(`Explain ${concept.replace(/-/g, ' ')}`, 'concepts'),
      runAction: (kind, args, reply) => runAction(kind, args, reply),
      rate: (reply, helpful) => store.rate(reply, helpful)
    };

    const sidebar = new LearnFlowSidebar(store, handlers);
    sidebar.title.icon = learnflowIcon;
    app.shell.add(sidebar, 'right', { rank: 600 });
    restorer?.add(sidebar, 'learnflow-sidebar');
    const openSidebar = () => app.shell.activateById(sidebar.id);
    const notebooks = new NotebookIntegration(tracker, store, handlers, openSidebar);
    store.start();

    // The kernel widgets' "Insert as new cell" reaches these commands through a comm, which
    // also carries the student's saved preferences to the kernel.
    const kernelComms = new KernelComms();
    let preferences: PreferencesSync | null = null;
    const bridge = (panel: any) => {
      const hook = () => {
        const kernel = panel.sessionContext.session?.kernel;
        if (kernel) {
          registerKernelBridge(
            kernel,
            (command, args) => {
              tracker.currentWidget !== panel && app.shell.activateById(panel.id);
              // The notebook whose kernel asked, whichever one has the focus.
              return commands.execute(command, { ...args, _panel: panel } as any);
            },
            { comms: kernelComms, preferencesChanged: () => void preferences?.reload() }
          );
        }
      };
      panel.sessionContext.kernelChanged.connect(hook);
      void panel.sessionContext.ready.then(hook);
    };
    tracker.widgetAdded.connect((_, panel) => bridge(panel));
    tracker.forEach(bridge);

    const lastReply = (): AgentReply | null => {
      for (const q of store.activity.queries) {
        const found = q.replies.find(r => bestCode(r));
        if (found) {
          return found;
        }
      }
      return null;
    };

    function runAction(kind: string, args: Record<string, unknown>, reply: AgentReply): void {
      const index = typeof args.code_block === 'number' ? args.code_block : -1;
      const code =
        typeof args.code === 'string' ? args.code : (reply.code_blocks?.[index]?.code ?? bestCode(reply)?.code);
      switch (kind) {
        case 'apply-fix':
          if (code) {
            void commands.execute(CommandIDs.replaceWithFix, { code });
          }
          break;
        case 'insert-starter':
          if (code) {
            void commands.execute(CommandIDs.insertFixBelow, { code });
          }
          break;
        case 'explain-concept': {
          const concept = String(args.concept ?? args.topic ?? reply.concepts?.[0] ?? '');
          void sidebar.ask(`Explain ${concept.replace(/-/g, ' ')}`, 'concepts');
          break;
        }
        case 'ask-agent': {
          // The same question, code and traceback, to the tutor the action names.
          const { query, label } = askAgentQuery(args, reply);
          void store.ask(query, label).catch(() => undefined);
          openSidebar();
          break;
        }
        case 'show-hint':
          store.revealHint(reply.reply_id ?? reply.query_id);
          break;
        default:
          break;
      }
    }

    commands.addCommand(CommandIDs.open, {
      label: 'Open LearnFlow',
      caption: 'Show the LearnFlow tutor sidebar',
      icon: learnflowIcon,
      execute: () => openSidebar()
    });
    commands.addCommand(CommandIDs.ask, {
      label: 'Ask LearnFlow…',
      execute: () => {
        openSidebar();
        sidebar.focusAsk();
      }
    });
    commands.addCommand(CommandIDs.explainError, {
      label: 'Explain This Error',
      caption: 'Ask LearnFlow why the active cell failed',
      isEnabled: () => !!(tracker.activeCell && cellError(tracker.activeCell)),
      execute: () => {
        const cell = tracker.activeCell;
        return cell ? notebooks.explain(cell) : null;
      }
    });
    commands.addCommand(CommandIDs.reviewCell, {
      label: 'Review This Cell',
      caption: 'Ask the LearnFlow code-review agent about this cell',
      icon: args => (args.toolbar ? learnflowIcon : undefined),
      isEnabled: () => tracker.activeCell?.model.type === 'code',
      execute: async () => {
        const cell = tracker.activeCell;
        if (!cell) {
          return;
        }
        const code = cell.model.sharedModel.getSource();
        if (!code.trim()) {
          return;
        }
        openSidebar();
        await store.ask(
          { text: 'Review this code', code, target_agent: 'code-review', source: 'jupyterlab-review' },
          'Review this cell'
        ).catch(() => undefined);
      }
    });
    // The code given (a card's button) or the latest answer's, put into the notebook by `place`.
    const applyFix =
      (place: typeof insertBelow) =>
      (args: ReadonlyPartialJSONObject): void => {
        const nb = ((args._panel as any)?.content as Notebook | undefined) ?? currentNotebook();
        const code = typeof args.code === 'string' ? args.code : bestCode(lastReply() ?? ({} as AgentReply))?.code;
        if (!nb || !code) {
          throw new Error(nb ? 'no code to insert' : 'no notebook is open');
        }
        const cell = (args._cell as unknown as Cell) ?? cellById(nb, args.cell_id);
        if (args.cell_id && !cell) {
          // The card's cell was deleted: say so rather than act on whichever cell is active.
          throw new Error('the cell that showed this card is no longer in the notebook');
        }
        place(nb, code, cell);
      };
    commands.addCommand(CommandIDs.insertFixBelow, {
      label: 'Insert LearnFlow Fix as New Cell',
      caption: 'Insert the code of the latest LearnFlow answer below the active cell',
      isEnabled: () => !!currentNotebook(),
      execute: applyFix(insertBelow)
    });
    commands.addCommand(CommandIDs.replaceWithFix, {
      label: 'Replace Cell with LearnFlow Fix',
      caption: "Replace the active cell's code with the latest LearnFlow fix",
      isEnabled: () => !!currentNotebook(),
      execute: applyFix(replaceCell)
    });
    commands.addCommand(CommandIDs.progress, {
      label: 'LearnFlow Progress Report',
      execute: () => {
        openSidebar();
        return sidebar.ask('How am I doing? What should I learn next?', 'progress');
      }
    });
    commands.addCommand(CommandIDs.reconnect, {
      label: 'Reconnect LearnFlow',
      execute: () => store.reconnect()
    });

    if (palette) {
      const category = 'LearnFlow';
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category });
      }
    }

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(settings => {
        // The settings editor shows the API's record (preferences.ts); changes go through the API.
        const view: SettingsView = {
          read: () => ({
            autoCapture: (settings.get('autoCapture').composite as boolean) ?? DEFAULT_PREFERENCES.autoCapture,
            skillLevel: (settings.get('skillLevel').composite as Preferences['skillLevel']) ?? DEFAULT_PREFERENCES.skillLevel,
            learningStyle:
              (settings.get('learningStyle').composite as Preferences['learningStyle']) ?? DEFAULT_PREFERENCES.learningStyle
          }),
          // One save, so the editor never holds half of the record.
          write: prefs =>
            settings.save(
              JSON.stringify(
                {
                  ...settings.user,
                  autoCapture: prefs.autoCapture,
                  skillLevel: prefs.skillLevel,
                  learningStyle: prefs.learningStyle
                },
                null,
                2
              )
            )
        };
        const sync = new PreferencesSync(
          store.api,
          view,
          saved => {
            store.preferences = fromServer(saved);
            kernelComms.pushPreferences(saved);
            store.changed.emit();
          },
          problem => {
            store.lastError = `LearnFlow preferences: ${problem}`;
            store.changed.emit();
          }
        );
        preferences = sync;
        void sync.start().then(() => settings.changed.connect(() => void sync.settingsChanged()));
        // Provider status is shown read-only in the settings editor (the schema marks it readOnly).
        store.changed.connect(() => {
          const status = store.status;
          if (!status) {
            return;
          }
          const text = `${status.provider} (${status.mode}, engine ${status.engine ?? '?'})`;
          if (settings.get('providerStatus').composite !== text) {
            void settings.set('providerStatus', text).catch(() => undefined);
          }
        });
      }).catch(reason => console.warn('LearnFlow: settings not loaded', reason));
    }
  }
};

function cellById(nb: { widgets: readonly Cell[] }, id: unknown): Cell | null {
  if (typeof id !== 'string' || !id) {
    return null;
  }
  return nb.widgets.find(cell => cell.model.id === id) ?? null;
}

export default plugin;

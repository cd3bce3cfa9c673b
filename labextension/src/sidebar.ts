/** The LearnFlow sidebar: ask box, live activity with replies, progress, agents' health. */
import { Widget } from '@lumino/widgets';
import { CardHandlers, masteryBars, renderReply } from './card';
import { button, h } from './dom';
import { QueryActivity, isMainReply, pipeline } from './events';
import { achievementsOf, agentHealth, agentTitle, percent, recommendationsOf, splitPastedCode } from './model';
import type { LearnFlowStore } from './store';
import type { AgentReply, StudentQuery } from './types';

export const AGENT_CHOICES: [string, string][] = [
  ['', 'Let LearnFlow decide'],
  ['concepts', 'Concepts'],
  ['debug', 'Debug'],
  ['code-review', 'Code review'],
  ['exercise', 'Exercise'],
  ['progress', 'Progress']
];

const STATUS_TEXT: Record<string, string> = {
  open: 'Live',
  connecting: 'Connecting…',
  closed: 'Reconnecting…',
  disposed: 'Stopped'
};

export class LearnFlowSidebar extends Widget {
  private statusEl: HTMLElement;
  private activityEl: HTMLElement;
  private progressEl: HTMLElement;
  private agentsEl: HTMLElement;
  private errorEl: HTMLElement;
  private input: HTMLTextAreaElement;
  private agentSelect: HTMLSelectElement;
  private askButton: HTMLButtonElement;
  private pendingRender = false;
  private tabs: { name: string; tab: HTMLButtonElement; panel: HTMLElement }[] = [];

  constructor(
    private readonly store: LearnFlowStore,
    private readonly handlers: CardHandlers
  ) {
    super();
    this.id = 'learnflow-sidebar';
    this.addClass('lf-sidebar');
    this.title.caption = 'LearnFlow tutor';
    this.node.setAttribute('role', 'complementary');
    this.node.setAttribute('aria-label', 'LearnFlow tutor');

    this.statusEl = h('span', { class: 'lf-connection', role: 'status', 'aria-live': 'polite' });
    this.errorEl = h('div', { class: 'lf-error', role: 'alert' });
    this.input = h('textarea', {
      class: 'lf-ask-input',
      rows: 3,
      placeholder: 'Ask about Python… (Ctrl+Enter to send)',
      'aria-label': 'Your question for LearnFlow'
    });
    this.agentSelect = h('select', { class: 'lf-ask-agent', 'aria-label': 'Which tutor answers' },
      AGENT_CHOICES.map(([value, label]) => h('option', { value }, label)));
    this.askButton = button('Ask', () => void this.submit(), { class: 'jp-Button lf-button lf-primary lf-ask-button' });
    this.input.addEventListener('keydown', ev => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        void this.submit();
      }
    });
    this.activityEl = h('div', { class: 'lf-activity', 'aria-live': 'polite', 'aria-relevant': 'additions' });
    this.progressEl = h('div', { class: 'lf-progress' });
    this.agentsEl = h('div', { class: 'lf-agents' });

    // Activity, Progress and Agents are tabs: each is one click away, not far down one scroll.
    const panels: [string, HTMLElement][] = [
      ['Activity', h('section', { class: 'lf-section', 'aria-label': 'Activity' }, this.activityEl)],
      ['Progress', h('section', { class: 'lf-section', 'aria-label': 'Progress' },
        h('div', { class: 'lf-section-tools' },
          button('Progress report', () => void this.ask('How am I doing? What should I learn next?', 'progress'), { 'aria-label': 'Ask the progress agent for a report' })),
        this.progressEl)],
      ['Agents', h('section', { class: 'lf-section', 'aria-label': 'Agents' },
        h('div', { class: 'lf-section-tools' },
          button('Refresh', () => void store.refreshStatus(), { 'aria-label': 'Refresh agents status' })),
        this.agentsEl)]
    ];
    const tablist = h('div', { class: 'lf-tabs', role: 'tablist', 'aria-label': 'LearnFlow sections' });
    this.tabs = panels.map(([name, panel], index) => {
      const id = `lf-tab-${name.toLowerCase()}`;
      panel.id = `${id}-panel`;
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', id);
      const tab = button(name, () => this.showTab(name), {
        class: 'jp-Button lf-button lf-tab',
        role: 'tab',
        id,
        'aria-controls': panel.id,
        'data-tab': name.toLowerCase()
      });
      tab.addEventListener('keydown', ev => {
        if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
          const next = panels[(index + (ev.key === 'ArrowRight' ? 1 : panels.length - 1)) % panels.length][0];
          this.showTab(next);
          this.tabs.find(t => t.tab.dataset.tab === next.toLowerCase())?.tab.focus();
        }
      });
      tablist.append(tab);
      return { name, tab, panel };
    });

    this.node.append(
      h('header', { class: 'lf-header' }, h('h2', {}, 'LearnFlow'), this.statusEl,
        button('Reconnect', () => store.reconnect(), { class: 'jp-Button lf-button lf-reconnect', 'aria-label': 'Reconnect to LearnFlow' })),
      h('section', { class: 'lf-ask', 'aria-label': 'Ask LearnFlow' },
        h('h3', {}, 'Ask LearnFlow'), this.input,
        h('div', { class: 'lf-ask-row' }, this.agentSelect, this.askButton), this.errorEl),
      tablist,
      ...this.tabs.map(t => t.panel)
    );
    this.showTab('Activity');
    store.changed.connect(this.scheduleRender, this);
    this.render();
  }

  focusAsk(): void {
    this.input.focus();
  }

  /** Show one of the Activity / Progress / Agents tabs. */
  showTab(name: string): void {
    for (const t of this.tabs) {
      const selected = t.name.toLowerCase() === name.toLowerCase();
      t.tab.setAttribute('aria-selected', selected ? 'true' : 'false');
      t.tab.tabIndex = selected ? 0 : -1;
      t.tab.classList.toggle('lf-selected', selected);
      t.panel.hidden = !selected;
    }
  }

  async ask(text: string, agent: string | null): Promise<void> {
    this.showTab('Activity');
    try {
      await this.store.ask({ text, target_agent: agent || null }, text);
    } catch {
      /* the store shows the error */
    }
  }

  private async submit(): Promise<void> {
    const text = this.input.value.trim();
    if (!text) {
      this.input.focus();
      return;
    }
    this.askButton.disabled = true;
    // Code or a traceback pasted into the question goes in its own field (the tutors read it as code).
    const split = splitPastedCode(text);
    const query: StudentQuery = { text: split.text, target_agent: this.agentSelect.value || null };
    if (split.code) {
      query.code = split.code;
    }
    if (split.traceback) {
      query.traceback = split.traceback;
    }
    this.showTab('Activity');
    try {
      await this.store.ask(query, text);
      this.input.value = '';
    } catch {
      /* shown in errorEl */
    } finally {
      this.askButton.disabled = false;
    }
  }

  private scheduleRender(): void {
    if (this.pendingRender) {
      return;
    }
    this.pendingRender = true;
    requestAnimationFrame(() => {
      this.pendingRender = false;
      this.render();
    });
  }

  render(): void {
    const store = this.store;
    this.statusEl.textContent = STATUS_TEXT[store.connection] ?? store.connection;
    this.statusEl.dataset.state = store.connection;
    this.errorEl.textContent = store.lastError;
    this.renderActivity();
    this.renderProgress();
    this.renderAgents();
  }

  private renderActivity(): void {
    const queries = this.store.activity.queries;
    const struggles = this.store.activity.struggles;
    const items: HTMLElement[] = [];
    for (const alert of struggles.slice(0, 2)) {
      items.push(h('div', { class: `lf-struggle lf-struggle-${alert.struggle_level}`, role: 'note' },
        h('strong', {}, `Stuck on ${alert.topic}? `), alert.recommendation));
    }
    if (!queries.length) {
      items.push(h('p', { class: 'lf-empty' }, 'Nothing yet. Run a cell, click “Explain this error” under a traceback, or ask a question above.'));
    }
    queries.forEach((q, index) => items.push(this.renderQuery(q, index === 0)));
    this.activityEl.replaceChildren(...items);
  }

  private renderQuery(q: QueryActivity, latest: boolean): HTMLElement {
    const main = q.replies.find(isMainReply) ?? null;
    const related = q.replies.filter(r => !isMainReply(r));
    const item = h('div', {
      class: `lf-query${q.done ? ' lf-done' : ''}${q.failed ? ' lf-failed' : ''}`,
      'data-query-id': q.queryId
    });
    if (q.label) {
      item.append(h('div', { class: 'lf-query-label' }, q.label.length > 140 ? q.label.slice(0, 140) + '…' : q.label));
    }
    const steps = h('ol', { class: 'lf-pipeline', 'aria-label': `Agents: ${pipeline(q)}` });
    for (const step of q.steps) {
      steps.append(h('li', { class: `lf-step lf-step-${step.status}`, 'data-agent': step.agent, title: step.message },
        h('span', { class: 'lf-step-agent' }, agentTitle(step.agent)),
        h('span', { class: 'lf-step-status' }, step.status)));
    }
    item.append(steps);
    if (q.routingNote) {
      item.append(h('div', { class: 'lf-routing' }, `Routed to ${q.routingNote}`));
    }
    if (!main && q.streamed) {
      item.append(h('pre', { class: 'lf-streamed' }, q.streamed));
    }
    if (main) {
      if (latest || !q.done) {
        item.append(renderReply(main, this.handlers));
      } else {
        // Older answers fold away; keyboard users open them with Enter/Space on the summary.
        const det = h('details', { class: 'lf-older' }, h('summary', {}, `${agentTitle(main.agent)}: ${main.summary}`));
        det.append(renderReply(main, this.handlers));
        item.append(det);
      }
    }
    for (const reply of related) {
      const det = h('details', { class: 'lf-related' }, h('summary', {}, `${agentTitle(reply.agent)}: ${reply.summary}`));
      det.append(renderReply(reply, this.handlers, { compact: true }));
      item.append(det);
    }
    return item;
  }

  private renderProgress(): void {
    const store = this.store;
    const parts: HTMLElement[] = [];
    if (store.progressError) {
      parts.push(h('p', { class: 'lf-error' }, store.progressError));
    }
    const mastery = store.progress?.mastery ?? {};
    if (Object.keys(mastery).length) {
      parts.push(masteryBars(mastery));
    } else if (!store.progressError) {
      parts.push(h('p', { class: 'lf-empty' }, 'No mastery evidence yet.'));
    }
    // Recommendations and achievements come from the latest progress agent reply.
    const report = latestOf(store, 'progress');
    const recs = report ? recommendationsOf(report) : [];
    const wins = report ? achievementsOf(report) : [];
    if (recs.length) {
      parts.push(h('div', { class: 'lf-recommendations' }, h('div', { class: 'lf-section-title' }, 'Recommended next'),
        h('ul', {}, recs.map(r => h('li', {}, h('strong', {}, r.title), r.detail ? ` — ${r.detail}` : '')))));
    }
    if (wins.length) {
      parts.push(h('div', { class: 'lf-achievements' }, h('div', { class: 'lf-section-title' }, 'Achievements'),
        h('ul', {}, wins.map(r => h('li', {}, '🏆 ', h('strong', {}, r.title), r.detail ? ` — ${r.detail}` : '')))));
    }
    const recent = store.progress?.recent_queries ?? [];
    if (recent.length) {
      parts.push(h('details', { class: 'lf-recent' }, h('summary', {}, `Recent questions (${recent.length})`),
        h('ul', {}, recent.map(r => h('li', {}, `${r.agent ?? '…'}: ${r.text}`)))));
    }
    this.progressEl.replaceChildren(...parts);
  }

  private renderAgents(): void {
    const status = this.store.status;
    if (!status) {
      this.agentsEl.replaceChildren(h('p', { class: this.store.statusError ? 'lf-error' : 'lf-empty' }, this.store.statusError || 'Checking…'));
      return;
    }
    const rows = agentHealth(status).map(a =>
      h('li', { class: `lf-agent ${a.healthy ? 'lf-healthy' : 'lf-unhealthy'}`, 'data-agent': a.agent },
        h('span', { class: 'lf-dot', 'aria-hidden': 'true' }),
        `${agentTitle(a.agent)} — ${a.healthy ? 'running' : 'not running'}` +
          (a.ageS === null ? '' : ` (seen ${Math.round(a.ageS)} s ago${a.liveInstances > 1 ? `, ${a.liveInstances} instances` : ''})`))
    );
    this.agentsEl.replaceChildren(
      h('p', { class: 'lf-provider' }, `Provider: ${status.provider} · mode: ${status.mode} · engine: ${status.engine ?? '?'}`),
      status.error ? h('p', { class: 'lf-error' }, status.error) : '',
      h('ul', { class: 'lf-agent-list', 'aria-label': 'Agents health' }, rows),
      status.outbox_pending ? h('p', {}, `Outbox pending: ${status.outbox_pending}`) : ''
    );
  }
}

function latestOf(store: LearnFlowStore, agent: string): AgentReply | null {
  for (const q of store.activity.queries) {
    const reply = q.replies.find(r => r.agent === agent && isMainReply(r));
    if (reply) {
      return reply;
    }
  }
  return null;
}

export { percent };

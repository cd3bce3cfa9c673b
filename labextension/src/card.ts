/** A reply drawn as DOM from the rendering model: used by the sidebar and under cells. */
import { button, copyText, h } from './dom';
import { percent, plain, sections } from './model';
import type { AgentReply } from './types';

export interface CardHandlers {
  renderMarkdown(host: HTMLElement, markdown: string): void;
  insertBelow(code: string, reply: AgentReply, cell?: unknown): void;
  replaceCell(code: string, reply: AgentReply, cell?: unknown): void;
  revealHint(reply: AgentReply): void;
  hintsShown(reply: AgentReply): number;
  explainConcept(concept: string): void;
  runAction(kind: string, args: Record<string, unknown>, reply: AgentReply): void;
  rate(reply: AgentReply, helpful: boolean): Promise<void>;
}

export interface CardOptions {
  compact?: boolean;
}

export function renderReply(reply: AgentReply, handlers: CardHandlers, options: CardOptions = {}): HTMLElement {
  const s = sections(reply, handlers.hintsShown(reply));
  const card = h('article', {
    class: `lf-card lf-state-${s.state}${options.compact ? ' lf-compact' : ''}`,
    'aria-label': `${s.header}: ${plain(s.summary)}`,
    'data-agent': reply.agent,
    'data-reply-id': reply.reply_id ?? ''
  });
  card.append(h('div', { class: 'lf-card-header' }, s.header));
  if (s.summary) {
    const summary = h('div', { class: 'lf-summary' });
    handlers.renderMarkdown(summary, `**${s.summary}**`);
    card.append(summary);
  }
  if (s.explanation) {
    const body = h('div', { class: 'lf-explanation' });
    handlers.renderMarkdown(body, s.explanation);
    if (options.compact) {
      // Under a cell the answer stays short; the full explanation is one click away.
      card.append(h('details', { class: 'lf-more' }, h('summary', {}, 'Why it happened and how to fix it'), body));
    } else {
      card.append(body);
    }
  }
  for (const block of s.code) {
    const code = h('pre', { class: 'lf-code', tabindex: '0', 'aria-label': `${block.title} code` });
    code.append(h('code', { class: `language-${block.language}` }, block.code));
    const tools = h('div', { class: 'lf-code-tools', role: 'group', 'aria-label': `${block.title} actions` });
    const copy = button('Copy', async () => {
      const ok = await copyText(block.code);
      copy.textContent = ok ? 'Copied' : 'Copy failed';
      setTimeout(() => (copy.textContent = 'Copy'), 1500);
    }, { 'aria-label': `Copy ${block.title.toLowerCase()}` });
    tools.append(copy);
    if (block.insertLabel) {
      tools.append(
        button(block.insertLabel, () => handlers.insertBelow(block.code, reply), {
          class: 'jp-Button lf-button lf-primary',
          'data-role': block.role
        })
      );
      if (block.role === 'fix' || block.role === 'refactor') {
        tools.append(
          button('Replace cell', () => handlers.replaceCell(block.code, reply), {
            'aria-label': `Replace the cell with the ${block.title.toLowerCase()}`
          })
        );
      }
    }
    card.append(h('section', { class: 'lf-code-block', 'data-role': block.role }, h('div', { class: 'lf-code-title' }, block.title), code, tools));
  }
  if (s.tests.length) {
    const passed = s.tests.filter(t => t.passed).length;
    card.append(
      h('section', { class: 'lf-tests', 'aria-label': 'Test results' },
        h('div', { class: 'lf-section-title' }, `Tests: ${passed}/${s.tests.length} passed`),
        h('ul', {}, s.tests.map(t => {
          const item = h('li', { class: t.passed ? 'lf-pass' : 'lf-fail' }, `${t.passed ? '✔' : '✘'} ${t.hidden ? 'hidden test' : t.name}`);
          if (t.message) {
            const message = h('span', { class: 'lf-test-message' });
            handlers.renderMarkdown(message, t.message);
            item.append(': ', message);
          }
          return item;
        }))
      )
    );
  }
  if (Object.keys(s.mastery).length) {
    card.append(masteryBars(s.mastery));
  }
  if (s.recommendations.length) {
    card.append(namedSection('Recommended next', s.recommendations, 'lf-recommendations'));
  }
  if (s.achievements.length) {
    card.append(namedSection('Achievements', s.achievements, 'lf-achievements'));
  }
  if (s.hints.total) {
    const hints = h('section', { class: 'lf-hints', 'aria-label': 'Hints' });
    hints.append(h('div', { class: 'lf-section-title' }, 'Hints'));
    if (s.hints.visible.length) {
      hints.append(h('ol', { 'aria-live': 'polite' }, s.hints.visible.map(hint => {
        // Hints are markdown (`code` in backticks), like the explanation.
        const item = h('li', {});
        handlers.renderMarkdown(item, hint);
        return item;
      })));
    }
    if (s.hints.remaining > 0) {
      hints.append(button(`Show next hint (${s.hints.remaining} left)`, () => handlers.revealHint(reply)));
    }
    card.append(hints);
  }
  if (s.concepts.length || s.actions.length) {
    const row = h('div', { class: 'lf-actions', role: 'group', 'aria-label': 'Follow-up actions' });
    for (const action of s.actions) {
      row.append(button(plain(action.label), () => handlers.runAction(action.kind, action.args, reply), { 'data-kind': action.kind }));
    }
    const asked = new Set(
      s.actions.filter(a => a.kind === 'explain-concept').map(a => String(a.args['concept'] ?? a.args['topic'] ?? ''))
    );
    for (const concept of s.concepts) {
      if (!asked.has(concept)) {
        row.append(button(`Explain ${concept.replace(/-/g, ' ')}`, () => handlers.explainConcept(concept), { 'data-kind': 'explain-concept' }));
      }
    }
    card.append(row);
  }
  if (reply.reply_id && !options.compact) {
    const thanks = h('span', { class: 'lf-thanks', 'aria-live': 'polite' });
    const rate = (helpful: boolean) => async () => {
      up.disabled = down.disabled = true;
      thanks.textContent = 'Saving…';
      try {
        await handlers.rate(reply, helpful);
        thanks.textContent = 'Thanks, noted.';
      } catch (error) {
        thanks.textContent = `Not saved: ${error instanceof Error ? error.message : error}`;
        up.disabled = down.disabled = false;
      }
    };
    const up = button('👍', rate(true), { 'aria-label': 'This helped', title: 'This helped' });
    const down = button('👎', rate(false), { 'aria-label': 'This did not help', title: 'This did not help' });
    card.append(h('div', { class: 'lf-rating' }, h('span', {}, 'Was this helpful?'), up, down, thanks));
  }
  card.append(h('div', { class: 'lf-provenance' }, s.provenance));
  return card;
}

export function masteryBars(mastery: Record<string, number>): HTMLElement {
  const entries = Object.entries(mastery).sort((a, b) => b[1] - a[1]);
  return h('section', { class: 'lf-mastery', 'aria-label': 'Mastery per topic' },
    entries.map(([topic, value]) =>
      h('div', { class: 'lf-mastery-row' },
        h('span', { class: 'lf-mastery-topic' }, topic.replace(/-/g, ' ')),
        h('div', {
          class: 'lf-bar',
          role: 'progressbar',
          'aria-label': `${topic} mastery`,
          'aria-valuemin': 0,
          'aria-valuemax': 100,
          'aria-valuenow': Math.round(value * 100)
        }, h('div', { class: 'lf-bar-fill', style: `width:${percent(value)}` })),
        h('span', { class: 'lf-mastery-value' }, percent(value))
      )
    )
  );
}

function namedSection(title: string, items: { title: string; detail: string }[], cls: string): HTMLElement {
  return h('section', { class: cls, 'aria-label': title },
    h('div', { class: 'lf-section-title' }, title),
    h('ul', {}, items.map(item => h('li', {}, h('strong', {}, item.title), item.detail ? ` — ${item.detail}` : '')))
  );
}

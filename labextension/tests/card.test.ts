/**
 * The sidebar's card (renderReply) drawing real replies of every kind, read for the defects a
 * person notices: a repeated paragraph, markdown or a tag shown as plain text, a doubled ✅,
 * "1 minutes", a duplicated list, a test listed twice. The replies are the real offline
 * tutors' (tests/jupyter/reply_kinds.py writes tests/fixtures/real-replies.json; the Python
 * test checks the file still holds what the tutors say).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentReply } from '../src/types';

// -- a DOM just big enough for dom.ts / card.ts ------------------------------------------
class FakeNode {
  children: FakeNode[] = [];
  parent: FakeNode | null = null;
  constructor(public text = '') {}
  get textContent(): string {
    return this.text + this.children.map(c => c.textContent).join('');
  }
  set textContent(value: string) {
    this.children = [];
    this.text = value;
  }
}
class FakeElement extends FakeNode {
  attributes: Record<string, string> = {};
  className = '';
  disabled = false;
  hidden = false;
  id = '';
  tabIndex = 0;
  dataset: Record<string, string> = {};
  listeners: Record<string, ((ev: unknown) => void)[]> = {};
  constructor(public tagName: string) {
    super();
  }
  setAttribute(name: string, value: string): void {
    this.attributes[name] = value;
  }
  getAttribute(name: string): string | null {
    return this.attributes[name] ?? null;
  }
  append(...nodes: (FakeNode | string)[]): void {
    for (const node of nodes) {
      const child = typeof node === 'string' ? new FakeNode(node) : node;
      child.parent = this;
      this.children.push(child);
    }
  }
  addEventListener(type: string, listener: (ev: unknown) => void): void {
    (this.listeners[type] ??= []).push(listener);
  }
  click(): void {
    for (const listener of this.listeners.click ?? []) {
      listener({ preventDefault() {}, stopPropagation() {} });
    }
  }
}

beforeAll(() => {
  (globalThis as any).document = {
    createElement: (tag: string) => new FakeElement(tag),
    createTextNode: (text: string) => new FakeNode(text)
  };
});

const FIXTURE = join(__dirname, 'fixtures', 'real-replies.json');
const REPLIES: Record<string, AgentReply> = JSON.parse(readFileSync(FIXTURE, 'utf-8'));

interface Drawn {
  plainText: string[]; // text placed as is (not through the markdown renderer)
  markdown: string[]; // what went through the markdown renderer
  buttons: string[];
  card: FakeElement;
  asked: [string, Record<string, unknown>][];
}

async function draw(reply: AgentReply, hintsShown = 0): Promise<Drawn> {
  const { renderReply } = await import('../src/card');
  const markdown: string[] = [];
  const asked: [string, Record<string, unknown>][] = [];
  const card = renderReply(reply, {
    renderMarkdown: (host: any, text: string) => {
      host.setAttribute('data-markdown', '');
      host.textContent = text;
      markdown.push(text);
    },
    insertBelow: () => undefined,
    replaceCell: () => undefined,
    revealHint: () => undefined,
    hintsShown: () => hintsShown,
    explainConcept: () => undefined,
    runAction: (kind, args) => void asked.push([kind, args]),
    rate: async () => undefined
  }) as unknown as FakeElement;
  const plainText: string[] = [];
  const buttons: string[] = [];
  const walk = (node: FakeNode, inMarkdown: boolean, inCode: boolean) => {
    if (node instanceof FakeElement) {
      if (node.tagName === 'button') {
        buttons.push(node.textContent);
      }
      const md = inMarkdown || 'data-markdown' in node.attributes;
      const code = inCode || node.tagName === 'code' || node.tagName === 'pre';
      node.children.forEach(c => walk(c, md, code));
    } else if (!inMarkdown && !inCode && node.text.trim()) {
      plainText.push(node.text);
    }
  };
  walk(card, false, false);
  return { plainText, markdown, buttons, card, asked };
}

// -- the defects (the same rules as tests/jupyter/reply_kinds.py) ------------------------
const norm = (p: string) => p.replace(/[*_`#>|]/g, ' ').split(/\s+/).join(' ').replace(/^[\s.:!-]+|[\s.:!-]+$/g, '').toLowerCase();

function prose(markdown: string): string[] {
  return markdown
    .replace(/```[\s\S]*?```/g, '\n\n')
    .replace(/`([^`\n]+)`/g, '$1')
    .split(/\n\s*\n/)
    .map(p => p.trim())
    .filter(Boolean);
}

function defects(paragraphs: string[]): string[] {
  const found: string[] = [];
  const seen: string[] = [];
  for (const paragraph of paragraphs) {
    const key = norm(paragraph);
    if (key.length >= 20) {
      if (seen.some(o => (o.endsWith(key) || key.endsWith(o)) && Math.abs(o.length - key.length) <= 24)) {
        found.push(`repeated: ${paragraph.slice(0, 80)}`);
      }
      seen.push(key);
    }
    for (const line of paragraph.split('\n')) {
      if ((line.match(/✅/g) ?? []).length > 1 || (line.match(/❌/g) ?? []).length > 1) {
        found.push(`doubled mark: ${line}`);
      }
    }
    if (paragraph.includes('(s)')) {
      found.push(`(s): ${paragraph.slice(0, 80)}`);
    }
    const one = paragraph.match(/\b1 (minutes|students|exercises|attempts|hints|topics|tests|times|days|points)\b/);
    if (one) {
      found.push(one[0]);
    }
    for (const m of paragraph.matchAll(/\b([\w'-]+(?:, [\w'-]+)+)(?:,? (?:and|or) ([\w'-]+))?/g)) {
      const items = [...m[1].split(', '), ...(m[2] ? [m[2]] : [])].map(i => i.toLowerCase());
      if (items.length >= 3 && new Set(items).size < items.length) {
        found.push(`duplicated list: ${m[0]}`);
      }
    }
  }
  return found;
}

function plainDefects(text: string[]): string[] {
  return text.flatMap(t => [
    ...(/`|\*\*/.test(t) ? [`raw markdown: ${t}`] : []),
    ...(/<\/?[a-z][a-z0-9]*(\s[^<>]*)?\/?>/i.test(t) ? [`tag as text: ${t}`] : [])
  ]);
}

describe('the sidebar card draws every real reply cleanly', () => {
  const kinds = Object.keys(REPLIES).sort();

  it('has every kind of reply', () => {
    expect(kinds).toEqual([
      'code-review',
      'concepts',
      'debug',
      'exercise-failed',
      'exercise-no-topic',
      'exercise-offer',
      'exercise-passed',
      'exercise-refusal',
      'progress',
      'triage-choice'
    ]);
  });

  for (const kind of kinds) {
    it(`${kind}: no repeats, no raw markdown or tags, tests listed once`, async () => {
      const reply = REPLIES[kind];
      const drawn = await draw(reply);
      expect(plainDefects([...drawn.plainText, ...drawn.buttons])).toEqual([]);
      const paragraphs = [...drawn.markdown.flatMap(prose), ...drawn.plainText];
      expect(defects(paragraphs)).toEqual([]);
      const whole = drawn.card.textContent;
      for (const test of reply.check?.tests ?? []) {
        if (!test.hidden) {
          expect(whole.split(test.name).length - 1, test.name).toBe(1);
        }
      }
      // One button per thing to do ("Copy" belongs to each code block).
      const labels = drawn.buttons.filter(b => b !== 'Copy' && b !== 'Replace cell');
      expect(new Set(labels).size, labels.join(' | ')).toBe(labels.length);
    });
  }

  it('renders hints and test messages as markdown, not raw backticks', async () => {
    const drawn = await draw(REPLIES['debug'], 9);
    expect(drawn.markdown.some(m => m.includes('`numbers`'))).toBe(true);
    expect(plainDefects(drawn.plainText)).toEqual([]);
  });

  it("re-asks the triage choice's tutor with the question, code and traceback", async () => {
    const reply = REPLIES['triage-choice'];
    const drawn = await draw(reply);
    const choice = (reply.actions ?? []).find(a => a.kind === 'ask-agent' && a.args?.choice);
    expect(choice).toBeDefined();
    const button = [] as FakeElement[];
    const find = (node: FakeNode) => {
      if (node instanceof FakeElement) {
        if (node.tagName === 'button' && node.textContent === choice!.label) {
          button.push(node);
        }
        node.children.forEach(find);
      }
    };
    find(drawn.card);
    button[0].click();
    const { askAgentQuery } = await import('../src/model');
    const [kind, args] = drawn.asked[0];
    expect(kind).toBe('ask-agent');
    const { query } = askAgentQuery(args, reply);
    expect(query.target_agent).toBe(choice!.args!.agent);
    expect(query.text).toBe('this does not do what I want');
    expect(query.code).toBe('def f(x):\n    x + 1\n');
  });

  it('the checks can fail', () => {
    expect(defects(['All 3 tests passed, well done.', 'All 3 tests passed, well done.'])).not.toEqual([]);
    expect(defects(['✅ right: ✅ Passed.'])).not.toEqual([]);
    expect(defects(['3 times in 1 minutes'])).not.toEqual([]);
    expect(defects(['Learn for, for, while first'])).not.toEqual([]);
    expect(plainDefects(['Use `x` here', '<sub>small</sub>'])).toHaveLength(2);
  });
});

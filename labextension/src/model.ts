/**
 * The reply rendering model: an AgentReply turned into the sections the kernel widgets
 * show (learnflow_ext/widgets/document.py), as plain data. The sidebar and the inline
 * card draw these; keeping them pure makes them unit-testable without a DOM.
 */
import type { AgentReply, CodeBlock, CodeRole } from './types';

export type CardState = 'working' | 'streaming' | 'done' | 'error';

export const AGENTS: Record<string, [string, string]> = {
  triage: ['🧭', 'LearnFlow'],
  debug: ['🩺', 'Debug agent'],
  concepts: ['📘', 'Concepts agent'],
  'code-review': ['🔍', 'Code review agent'],
  exercise: ['🏋️', 'Exercise agent'],
  progress: ['📈', 'Progress agent']
};

export const CODE_TITLES: Record<CodeRole, string> = {
  fix: 'Fix',
  example: 'Example',
  refactor: 'Refactored',
  starter: 'Starter code',
  tests: 'Tests',
  original: 'Your code'
};

/** Roles whose code can be put in the notebook, and the button label used for each. */
export const INSERTABLE: Partial<Record<CodeRole, string>> = {
  fix: 'Insert fix as new cell',
  refactor: 'Insert refactored code',
  starter: 'Insert starter code',
  example: 'Insert example',
  tests: 'Insert tests'
};

export function agentTitle(agent: string): string {
  const known = AGENTS[agent];
  if (known) {
    return `${known[0]} ${known[1]}`;
  }
  const words = agent.replace(/-/g, ' ');
  return `🤖 ${words.charAt(0).toUpperCase()}${words.slice(1)} agent`;
}

export function agentName(agent: string): string {
  return AGENTS[agent]?.[1] ?? agentTitle(agent).slice(3);
}

export function waitingMessage(agent: string): string {
  if (agent === 'triage') {
    return 'Finding the right tutor…';
  }
  if (agent === 'debug') {
    return 'Debug agent is looking…';
  }
  return `${AGENTS[agent]?.[1] ?? 'The agent'} is working…`;
}

export function codeTitle(block: CodeBlock): string {
  return block.title || CODE_TITLES[block.role] || block.role;
}

export interface CodeSection {
  title: string;
  role: CodeRole;
  code: string;
  language: string;
  insertLabel: string | null;
}

export interface NamedItem {
  title: string;
  detail: string;
}

export interface TestResult {
  name: string;
  passed: boolean;
  message: string;
  hidden: boolean;
}

export interface ReplySections {
  header: string;
  state: CardState;
  summary: string;
  explanation: string;
  code: CodeSection[];
  hints: { total: number; visible: string[]; remaining: number };
  concepts: string[];
  actions: { kind: string; label: string; args: Record<string, unknown> }[];
  tests: TestResult[];
  mastery: Record<string, number>;
  recommendations: NamedItem[];
  achievements: NamedItem[];
  provenance: string;
}

export function replyState(reply: AgentReply): CardState {
  return reply.status === 'error' ? 'error' : 'done';
}

export function header(agent: string, state: CardState, reply?: AgentReply | null): string {
  const parts = [agentTitle(agent), state];
  if (reply && state === 'done') {
    parts.push(reply.provenance?.provider ?? 'offline');
    if (reply.provenance?.latency_ms) {
      parts.push(`${Math.round(reply.provenance.latency_ms)} ms`);
    }
  }
  return parts.join(' · ');
}

/** The sections of one reply; `hintsShown` hints are revealed (one more per click). */
export function sections(reply: AgentReply, hintsShown = 0): ReplySections {
  const state = replyState(reply);
  const hints = reply.hints ?? [];
  const shown = Math.max(0, Math.min(hintsShown, hints.length));
  const prov = reply.provenance ?? { agent: reply.agent };
  const provParts = [prov.agent || reply.agent, prov.provider ?? 'offline'];
  if (prov.model) {
    provParts.push(prov.model);
  }
  if (prov.latency_ms) {
    provParts.push(`${Math.round(prov.latency_ms)} ms`);
  }
  if (prov.cached) {
    provParts.push('cached');
  }
  return {
    header: header(reply.agent, state, reply),
    state,
    summary: (reply.summary ?? '').trim(),
    explanation: (reply.explanation ?? '').trim(),
    code: (reply.code_blocks ?? [])
      .filter(block => block.code.trim() !== '')
      .map(block => ({
        title: codeTitle(block),
        role: block.role,
        code: block.code.replace(/\s+$/, ''),
        language: block.language || 'python',
        insertLabel: INSERTABLE[block.role] ?? null
      })),
    hints: { total: hints.length, visible: hints.slice(0, shown), remaining: hints.length - shown },
    concepts: reply.concepts ?? [],
    // Hint and rate actions have their own controls in every card.
    actions: (reply.actions ?? [])
      .filter(a => a.kind !== 'show-hint' && a.kind !== 'rate')
      .map(a => ({ kind: a.kind, label: a.label, args: a.args ?? {} })),
    tests: testResults(reply),
    mastery: masteryOf(reply),
    recommendations: recommendationsOf(reply),
    achievements: achievementsOf(reply),
    provenance: provParts.join(' · ')
  };
}

/** The code the "insert fix" commands use: the fix, else refactor, starter, example. */
export function bestCode(reply: AgentReply): CodeBlock | null {
  const blocks = (reply.code_blocks ?? []).filter(b => b.code.trim() !== '');
  for (const role of ['fix', 'refactor', 'starter', 'example'] as CodeRole[]) {
    const found = blocks.find(b => b.role === role);
    if (found) {
      return found;
    }
  }
  return null;
}

/** A plain-text rendering, used for copying the whole answer and as an accessible label. */
export function plainText(reply: AgentReply): string {
  const s = sections(reply, (reply.hints ?? []).length);
  const out = [s.header];
  if (s.summary) {
    out.push(s.summary);
  }
  if (s.explanation) {
    out.push(s.explanation);
  }
  for (const block of s.code) {
    out.push(`${block.title}:\n${block.code}`);
  }
  if (s.hints.visible.length) {
    out.push('Hints:\n' + s.hints.visible.map((h, i) => `${i + 1}. ${h}`).join('\n'));
  }
  if (s.concepts.length) {
    out.push('Related concepts: ' + s.concepts.join(', '));
  }
  return out.join('\n\n');
}

/** A progress report's mastery per topic (`reply.progress`). */
export function masteryOf(reply: AgentReply): Record<string, number> {
  return { ...(reply.progress?.mastery ?? {}) };
}

/** A progress report's recommended topics, each with its reason. */
export function recommendationsOf(reply: AgentReply): NamedItem[] {
  return (reply.progress?.recommendations ?? []).map(r => ({ title: r.topic, detail: r.reason ?? '' }));
}

/** A progress report's achievements. */
export function achievementsOf(reply: AgentReply): NamedItem[] {
  return (reply.progress?.achievements ?? []).map(a => ({ title: a.title, detail: a.detail ?? '' }));
}

/** An exercise check's tests (`reply.check`; hidden tests come without their values). */
function testResults(reply: AgentReply): TestResult[] {
  return (reply.check?.tests ?? []).map(t => ({
    name: t.name,
    passed: t.passed,
    message: t.message ?? '',
    hidden: t.hidden ?? false
  }));
}

/** Mastery as a percentage label, e.g. 0.734 -> "73%". */
export function percent(value: number): string {
  return `${Math.round(Math.min(1, Math.max(0, value)) * 100)}%`;
}

/** Strip ANSI colour codes from a traceback (error outputs carry them). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}

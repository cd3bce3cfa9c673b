/**
 * The instructor dashboard's first view in a real JupyterLab (default layout, 1400x900):
 * a class seeded with benchmarks/dashboard_weight.py's fixtures (students, mastery, alerts,
 * errors, live and stale agent heartbeats) in the lab's own store, the shipped dashboard
 * notebook (`learnflow instructor-dashboard`) opened and run. Checks the heatmap is drawn
 * and not clipped, a click on a cell shows that student, and the agents table counts live
 * instances only. Screenshots go to build/screenshots/.
 */
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

const TOKEN = process.env.LEARNFLOW_E2E_TOKEN ?? 'learnflow-e2e';
const REPO = path.join(__dirname, '..', '..', '..');
const SHOTS = path.join(REPO, 'build', 'screenshots');
const STUDENTS = 24;
const TOPICS = 12;
// dashboard_weight.seed leaves this many two-day-old heartbeats per agent (debug: restarts).
const STALE = { debug: 12, triage: 2 };
fs.mkdirSync(SHOTS, { recursive: true });

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/** Run Python in a fresh python3 kernel of the lab (it inherits the lab's LEARNFLOW_DB_URL). */
async function runPython(page: Page, code: string): Promise<string> {
  return page.evaluate(
    async ({ code, token }) => {
      const headers = { Authorization: `token ${token}`, 'Content-Type': 'application/json' };
      const kernel = await (await fetch('/api/kernels', { method: 'POST', headers, body: JSON.stringify({ name: 'python3' }) })).json();
      const ws = new WebSocket(`ws://${location.host}/api/kernels/${kernel.id}/channels?token=${token}`);
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
      const msgId = crypto.randomUUID();
      let out = '';
      const done = new Promise<string>((resolve, reject) => {
        ws.onmessage = event => {
          const msg = JSON.parse(event.data);
          if (msg.parent_header?.msg_id !== msgId) return;
          if (msg.msg_type === 'stream') out += msg.content.text;
          if (msg.msg_type === 'error') reject(new Error(`${msg.content.ename}: ${msg.content.evalue}`));
          if (msg.msg_type === 'status' && msg.content.execution_state === 'idle') resolve(out);
        };
      });
      ws.send(JSON.stringify({
        header: { msg_id: msgId, msg_type: 'execute_request', username: 'e2e', session: crypto.randomUUID(), version: '5.3', date: new Date().toISOString() },
        parent_header: {},
        metadata: {},
        content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
        channel: 'shell'
      }));
      try {
        return await done;
      } finally {
        ws.close();
        await fetch(`/api/kernels/${kernel.id}`, { method: 'DELETE', headers });
      }
    },
    { code, token: TOKEN }
  );
}

const SEED = `
import os, sys
sys.path.insert(0, ${JSON.stringify(path.join(REPO, 'benchmarks'))})
from dashboard_weight import seed
seed(os.environ["LEARNFLOW_DB_URL"], ${STUDENTS}, ${TOPICS})
print("seeded")
`;
// What `learnflow instructor-dashboard` writes: the shipped notebook, as it is.
const DASHBOARD = path.join(REPO, 'learnflow_ext', 'instructor', 'dashboard.ipynb');

const COUNT_BEATS = `
import collections, json, os
from learnflow_agents.store import Store
store = Store.open(os.environ["LEARNFLOW_DB_URL"])
print(json.dumps(collections.Counter(b.agent for b in store.list_heartbeats())))
store.close()
`;

// The seeded heartbeats would read as this lab's agents in the sidebar of other specs.
const CLEANUP = `
import os
import sqlalchemy as sa
from learnflow_agents.store import Store
from learnflow_agents.store.schema import agent_heartbeats
store = Store.open(os.environ["LEARNFLOW_DB_URL"])
with store._engine.begin() as conn:
    conn.execute(sa.delete(agent_heartbeats).where(agent_heartbeats.c.instance.like("pod-%")))
store.close()
print("cleaned")
`;

test('instructor dashboard: first view, a clicked cell shows the student, live agent instances', async ({ page }) => {
  await page.goto(`/lab?token=${TOKEN}&reset`);
  await expect(page.locator('.jp-LabShell')).toBeVisible({ timeout: 60_000 });
  expect(await runPython(page, SEED)).toContain('seeded');
  const put = await page.request.put(`/api/contents/dashboard.ipynb?token=${TOKEN}`, {
    data: { type: 'notebook', format: 'json', content: JSON.parse(fs.readFileSync(DASHBOARD, 'utf-8')) }
  });
  expect(put.ok()).toBeTruthy();
  try {
    await page.goto(`/lab/tree/dashboard.ipynb?token=${TOKEN}&reset`);
    await expect(page.locator('.jp-NotebookPanel .jp-Notebook')).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')).toBeAttached({ timeout: 60_000 });
    const dashCell = page.locator('.jp-NotebookPanel:visible .jp-Notebook .jp-Cell').nth(1);
    await expect(async () => {
      await dashCell.locator('.jp-InputArea-editor').click();
      await page.keyboard.press('Shift+Enter');
      await expect(dashCell.locator('.jp-InputPrompt')).not.toHaveText(/\[\s*\]/, { timeout: 3000 });
    }).toPass({ timeout: 30_000 });

    // First view: the heatmap, one row per student with mastery, drawn inside the cell's width.
    const heatmap = dashCell.locator('.lf-heatmap');
    await expect(heatmap.locator('table')).toBeVisible({ timeout: 90_000 });
    const rows = heatmap.locator('tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(STUDENTS);
    await expect(heatmap.locator('thead th')).toHaveCount(TOPICS + 1);
    await dashCell.scrollIntoViewIfNeeded();
    await shot(page, '12-dashboard-first-view');
    const fit = await heatmap.evaluate(box => {
      const output = box.closest('.jp-OutputArea-output') as HTMLElement;
      const holder = box.parentElement!.closest('.widget-box') as HTMLElement;
      const b = box.getBoundingClientRect();
      const o = output.getBoundingClientRect();
      const h = holder.getBoundingClientRect();
      // Scroll the heatmap to its far corner: the last topic and the last student must come
      // into its own box (it scrolls; neither the notebook nor a parent cuts it off).
      box.scrollLeft = box.scrollWidth;
      box.scrollTop = box.scrollHeight;
      const heads = box.querySelectorAll('thead th');
      const names = box.querySelectorAll('tbody th');
      const last = heads[heads.length - 1].getBoundingClientRect();
      const lastName = names[names.length - 1].getBoundingClientRect();
      const after = box.getBoundingClientRect();
      return {
        insideOutput: b.left >= o.left - 1 && b.right <= o.right + 1,
        insideHolder: b.left >= h.left - 1 && b.right <= h.right + 1,
        lastTopicShown: last.left >= after.left - 1 && last.right <= after.right + 1,
        lastStudentShown: lastName.top >= after.top - 1 && lastName.bottom <= after.bottom + 1,
        width: b.width
      };
    });
    expect(fit).toEqual({ insideOutput: true, insideHolder: true, lastTopicShown: true, lastStudentShown: true, width: fit.width });
    expect(fit.width).toBeGreaterThan(200);

    // A click on a cell shows that student: the Student tab opens on their queries.
    const row = rows.nth(3);
    const student = (await row.locator('th').innerText()).trim();
    await heatmap.evaluate(box => { box.scrollLeft = 0; box.scrollTop = 0; });
    await row.locator('td').first().click();
    const tabs = dashCell.locator('.lm-TabBar-tab');
    await expect(tabs.filter({ hasText: 'Student' })).toHaveClass(/lm-mod-current/);
    const shownStudent = dashCell.getByText(`Recent queries from ${student}`);
    await expect(shownStudent).toBeVisible({ timeout: 30_000 });
    await expect(row.locator('th')).toHaveCSS('font-weight', '700');
    await tabs.filter({ hasText: 'Student' }).scrollIntoViewIfNeeded();
    await shot(page, '13-dashboard-student-shown');

    // The agents table counts live instances; the seeded old heartbeats are shown as stale.
    await tabs.filter({ hasText: 'Agents & cost' }).click();
    await tabs.filter({ hasText: 'Agents & cost' }).scrollIntoViewIfNeeded();
    const shown: Record<string, [number, number]> = {};
    for (const [agent, stale] of Object.entries(STALE)) {
      const cells = dashCell.locator('tr').filter({ has: page.locator('td', { hasText: new RegExp(`^${agent}$`) }) }).locator('td');
      await expect(cells.nth(2)).toBeVisible({ timeout: 30_000 });
      const text = (await cells.nth(2).innerText()).trim();
      const match = /^(\d+)(?: \((\d+) stale\))?$/.exec(text);
      expect(match, `${agent}: ${text}`).not.toBeNull();
      const [live, old] = [Number(match![1]), Number(match![2] ?? 0)];
      expect(old, `${agent}: ${text}`).toBeGreaterThanOrEqual(stale);
      shown[agent] = [live, old];
    }
    await shot(page, '14-dashboard-agents-live-instances');
    // Every instance is counted once, and the old ones never as live ("1/13" was all of them).
    const counts = JSON.parse(await runPython(page, COUNT_BEATS));
    for (const [agent, stale] of Object.entries(STALE)) {
      const [live, old] = shown[agent];
      expect(live + old, agent).toBeLessThanOrEqual(counts[agent]);
      expect(live, agent).toBeLessThanOrEqual(counts[agent] - stale);
    }
  } finally {
    await page.goto(`/lab?token=${TOKEN}`);
    expect(await runPython(page, CLEANUP)).toContain('cleaned');
  }
});

/**
 * LearnFlow in a real JupyterLab: kernel capture + sidebar activity, "Explain this error",
 * "Insert fix as new cell", the Ask box, and auto-capture off. Screenshots go to
 * build/screenshots/ (kept as CI artifacts).
 */
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

const TOKEN = process.env.LEARNFLOW_E2E_TOKEN ?? 'learnflow-e2e';
const SHOTS = path.join(__dirname, '..', '..', '..', 'build', 'screenshots');
fs.mkdirSync(SHOTS, { recursive: true });

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

async function openNotebook(page: Page, name: string): Promise<void> {
  await page.goto(`/lab/tree/${name}?token=${TOKEN}&reset`);
  await expect(page.locator('.jp-NotebookPanel .jp-Notebook')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')).toBeAttached({ timeout: 60_000 });
  await page.getByRole('tab', { name: /LearnFlow tutor/ }).click().catch(async () => {
    await page.keyboard.press('Alt+Shift+L');
  });
  await expect(page.locator('#learnflow-sidebar')).toBeVisible();
  await expect(page.locator('#learnflow-sidebar .lf-connection')).toHaveText('Live', { timeout: 30_000 });
}

function cell(page: Page, index: number) {
  return page.locator('.jp-NotebookPanel:visible .jp-Notebook .jp-Cell').nth(index);
}

async function runCell(page: Page, index: number): Promise<void> {
  // Right after the first page load a keypress can land before the notebook takes it:
  // retry until the prompt shows the cell was queued or ran.
  await expect(async () => {
    await cell(page, index).locator('.jp-InputArea-editor').click();
    await page.keyboard.press('Shift+Enter');
    await expect(cell(page, index).locator('.jp-InputPrompt')).not.toHaveText(/\[\s*\]/, { timeout: 3000 });
  }).toPass({ timeout: 30_000 });
}

async function waitIdle(page: Page): Promise<void> {
  await expect(page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')).toBeAttached({ timeout: 60_000 });
}

test.describe.configure({ mode: 'serial' });

test('a failing cell: one answer (Explain shows the kernel card), insert at once below, it passes', async ({ page }) => {
  await openNotebook(page, 'welcome.ipynb');
  const sidebar = page.locator('#learnflow-sidebar');
  // Progress and Agents are tabs, not far down one scroll; the agents' health is one click away.
  await sidebar.getByRole('tab', { name: 'Agents' }).click();
  await expect(sidebar.locator('.lf-agent.lf-healthy')).toHaveCount(6);
  await expect(sidebar.getByRole('tabpanel', { name: 'Activity' })).toBeHidden();
  await shot(page, '00-sidebar-agents-tab');
  await sidebar.getByRole('tab', { name: 'Activity' }).click();
  // Labels are never split mid-word in the sidebar's default width ("Activit y", "Reconn ect").
  const labelLines = await sidebar.locator('.lf-tab, .lf-header .lf-button').evaluateAll(els =>
    els.map(el => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return `${el.textContent}: ${range.getClientRects().length}`;
    })
  );
  expect(labelLines.length).toBeGreaterThanOrEqual(3);
  expect(labelLines.filter(line => !line.endsWith(': 1'))).toEqual([]);

  await runCell(page, 1);
  const failing = cell(page, 1);
  await expect(failing.locator('.jp-OutputArea')).toContainText("NameError", { timeout: 30_000 });

  // Auto-capture (the kernel's own card, an ipywidget under the cell) fills in...
  await expect(failing.locator('.jp-OutputArea')).toContainText('you probably meant numbers', { timeout: 60_000 });
  // ...and the sidebar follows the same query live (the kernel named the debug agent itself).
  const kernelQuery = sidebar.locator('.lf-query').filter({ has: page.locator('.lf-card[data-agent="debug"]') }).first();
  await expect(kernelQuery.locator('.lf-step[data-agent="debug"]')).toHaveClass(/lf-step-done/);
  await shot(page, '01-kernel-capture-and-sidebar');

  // One error, one answer: Explain this error shows the kernel's card instead of asking again.
  const asked = await sidebar.locator('.lf-query').count();
  await expect(failing.locator('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"] .lf-explain')).toHaveCount(0);
  await failing.getByRole('button', { name: /Explain this error/ }).click();
  await expect(failing.locator('.lf-already')).toContainText('already answered');
  await expect(sidebar.locator('.lf-query')).toHaveCount(asked);
  await expect(failing.locator('.lf-inline .lf-card')).toHaveCount(0);
  const kernelCard = failing.locator('.jp-OutputArea-child').filter({ hasText: 'you probably meant numbers' });
  await expect(kernelCard).toHaveCount(1);
  await expect(kernelCard).toBeInViewport();
  await shot(page, '02-one-error-one-answer');

  // The kernel card's Insert acts at once (the kernel asks the frontend over the comm): the fix
  // lands right below the failing cell, before any other cell runs.
  const fix = failing.locator('.learnflow-code').filter({ hasText: 'sum(numbers)' }).first();
  await expect(fix.getByRole('button', { name: 'Replace cell' })).toBeVisible();
  const cellsBefore = await page.locator('.jp-NotebookPanel:visible .jp-Cell').count();
  await fix.getByRole('button', { name: 'Insert as new cell' }).click();
  await expect(page.locator('.jp-NotebookPanel:visible .jp-Cell')).toHaveCount(cellsBefore + 1);
  await expect(fix.locator('.learnflow-code-status')).toHaveText('Inserted as a new cell below this cell.');
  const fixed = cell(page, 2);
  await expect(fixed.locator('.jp-InputArea-editor')).toContainText('total = sum(numbers)');
  await runCell(page, 2);
  await waitIdle(page);
  await expect(fixed.locator('.jp-OutputArea')).toContainText('total: 6', { timeout: 30_000 });
  await expect(fixed.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).toHaveCount(0);
  await expect(fixed.getByRole('button', { name: /Explain this error/ })).toHaveCount(0);
  await shot(page, '03-fix-inserted-at-once-and-passing');
});

test('the launcher shows the LearnFlow kernel with its logo', async ({ page }) => {
  await page.goto(`/lab?token=${TOKEN}&reset`);
  const card = page.locator('.jp-LauncherCard[title*="LearnFlow"]').first();
  await expect(card).toBeVisible({ timeout: 60_000 });
  const logo = card.locator('img');
  await expect(logo).toHaveAttribute('src', /kernelspecs\/learnflow-python3\/logo-(64x64\.png|svg\.svg)/);
  expect(await logo.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  await shot(page, '09-launcher-learnflow-kernel-logo');
});

test('ask a question in the sidebar and get an answer', async ({ page }) => {
  await openNotebook(page, 'welcome.ipynb');
  const sidebar = page.locator('#learnflow-sidebar');
  await sidebar.getByRole('textbox', { name: 'Your question for LearnFlow' }).fill('What is a list comprehension in Python?');
  await sidebar.getByRole('button', { name: 'Ask', exact: true }).click();
  const asked = sidebar.locator('.lf-query').first();
  await expect(asked.locator('.lf-query-label')).toContainText('list comprehension');
  await expect(asked.locator('.lf-card[data-agent="concepts"] .lf-summary')).not.toBeEmpty({ timeout: 60_000 });
  await expect(asked.locator('.lf-pipeline')).toHaveAttribute('aria-label', /^Agents: triage → concepts/);
  await expect(asked.locator('.lf-explanation')).not.toBeEmpty();
  // Keyboard: Ctrl+Enter sends from the ask box too.
  const box = sidebar.getByRole('textbox', { name: 'Your question for LearnFlow' });
  await box.fill('How am I doing?');
  await box.press('Control+Enter');
  await expect(sidebar.locator('.lf-query').first().locator('.lf-query-label')).toContainText('How am I doing?');
  await expect(sidebar.locator('.lf-query').first().locator('.lf-card')).toBeVisible({ timeout: 60_000 });
  await shot(page, '04-ask-learnflow');

  // Code pasted into the question (no fences) is read as code: the tutor sees the function.
  await box.fill('why does this print None?\ndef add(a, b):\n    total = a + b\n\nprint(add(1, 2))');
  await sidebar.getByRole('button', { name: 'Ask', exact: true }).click();
  const pasted = sidebar.locator('.lf-query').first();
  await expect(pasted.locator('.lf-query-label')).toContainText('why does this print None?');
  const answer = pasted.locator('.lf-card .lf-summary').first();
  await expect(answer).not.toBeEmpty({ timeout: 60_000 });
  await expect(answer).toContainText('return');
  await expect(pasted.locator('.lf-card').first()).not.toContainText('no code');
  await shot(page, '10-ask-with-pasted-code');
});

test('Explain this error with auto-capture off', async ({ page, request }) => {
  // The student's record (GET/PUT learnflow/api/preferences) is the one source: the lab's
  // settings editor and every kernel read it, so the test sets it there.
  const put = await request.put(`/learnflow/api/preferences?token=${TOKEN}`, {
    data: { auto_capture: false }
  });
  expect(put.ok()).toBeTruthy();
  await openNotebook(page, 'no-capture.ipynb');
  const sidebar = page.locator('#learnflow-sidebar');
  const before = await sidebar.locator('.lf-query').count();

  await runCell(page, 1);
  const failing = cell(page, 1);
  await expect(failing.locator('.jp-OutputArea')).toContainText('KeyError', { timeout: 30_000 });
  await waitIdle(page);
  // Nothing is sent by itself: no kernel card, no new activity.
  await page.waitForTimeout(3000);
  await expect(failing.locator('.jp-OutputArea')).not.toContainText('Debug agent');
  await expect(sidebar.locator('.lf-query')).toHaveCount(before);

  await failing.getByRole('button', { name: /Explain this error/ }).click();
  const explained = sidebar.locator('.lf-query').first();
  await expect(explained.locator('.lf-query-label')).toContainText('KeyError');
  await expect(explained.locator('.lf-card[data-agent="debug"]')).toBeVisible({ timeout: 60_000 });
  await expect(failing.locator('.lf-inline .lf-card')).toBeVisible();
  // The card's text: the summary once, no markdown shown raw, no doubled marks.
  const card = explained.locator('.lf-card[data-agent="debug"]');
  const summary = (await card.locator('.lf-summary').innerText()).trim();
  const text = await card.innerText();
  expect(summary.length).toBeGreaterThan(10);
  expect(text.split(summary).length - 1).toBe(1);
  expect(text).not.toMatch(/\*\*|<\/?(sub|b|code)>|✅.*✅/);
  await shot(page, '05-explain-with-auto-capture-off');

  // A second click shows that answer again instead of asking a second time.
  const count = await sidebar.locator('.lf-query').count();
  await failing.getByRole('button', { name: /Explain this error/ }).click();
  await expect(failing.locator('.lf-inline .lf-card')).toHaveCount(1);
  await expect(sidebar.locator('.lf-query')).toHaveCount(count);
});

test('dark theme, keyboard shortcut and command palette', async ({ page, request }) => {
  const put = await request.put(`/lab/api/settings/@jupyterlab/apputils-extension:themes?token=${TOKEN}`, {
    data: { raw: JSON.stringify({ theme: 'JupyterLab Dark' }) }
  });
  expect(put.ok()).toBeTruthy();
  await openNotebook(page, 'welcome.ipynb');
  await expect(page.locator('body')).toHaveAttribute('data-jp-theme-light', 'false');
  // The sidebar's colours come from the theme's variables.
  const bg = await page.locator('#learnflow-sidebar').evaluate(el => getComputedStyle(el).backgroundColor);
  const layout = await page.evaluate(() =>
    getComputedStyle(document.body).getPropertyValue('--jp-layout-color1').trim()
  );
  expect(layout).not.toBe('');
  expect(bg).not.toBe('rgb(255, 255, 255)');
  // Alt+Shift+A focuses the ask box from anywhere.
  await page.locator('.jp-NotebookPanel:visible .jp-Notebook').click();
  await page.keyboard.press('Alt+Shift+A');
  await expect(page.getByRole('textbox', { name: 'Your question for LearnFlow' })).toBeFocused();
  // Command palette lists the LearnFlow commands.
  await page.keyboard.press('Control+Shift+C');
  await page.keyboard.type('LearnFlow');
  // (Explain This Error is listed but disabled, hence hidden, while the active cell has no error.)
  await expect(page.locator('.lm-CommandPalette-item[data-command="learnflow:explain-error"]')).toBeAttached();
  await expect(page.locator('.lm-CommandPalette-item', { hasText: 'Ask LearnFlow…' })).toBeVisible();
  await expect(page.locator('.lm-CommandPalette-item', { hasText: 'Insert LearnFlow Fix as New Cell' })).toBeVisible();
  await shot(page, '06-dark-theme-command-palette');
  await page.keyboard.press('Escape');
  await shot(page, '07-dark-theme-sidebar');
});

/** The mastered line of the progress agent (agents/.../progress/config.py, `mastered` = 0.95). */
const MASTERED_PERCENT = 95;

/** Mastery per topic as the sidebar's Progress tab draws it: topic → percent on the bar. */
async function progressTabBars(page: Page): Promise<Map<string, number>> {
  const sidebar = page.locator('#learnflow-sidebar');
  await sidebar.getByRole('tab', { name: 'Progress' }).click();
  const bars = new Map<string, number>();
  for (const bar of await sidebar.locator('.lf-mastery .lf-bar[role="progressbar"]').all()) {
    const topic = (await bar.getAttribute('aria-label'))!.replace(/ mastery$/, '');
    const now = Number(await bar.getAttribute('aria-valuenow'));
    // The number printed beside the bar is the one the bar is drawn from.
    await expect(bar.locator('xpath=following-sibling::span[@class="lf-mastery-value"]')).toHaveText(`${now}%`);
    bars.set(topic, now);
  }
  return bars;
}

test('a first clean pass moves mastery visibly, and counts and bars agree', async ({ page }) => {
  await openNotebook(page, 'first-pass.ipynb');
  const sidebar = page.locator('#learnflow-sidebar');

  // The variables exercise needs nothing first: it is handed out.
  await runCell(page, 1);
  await waitIdle(page);
  await expect(cell(page, 1).locator('.jp-OutputArea')).toContainText('Swap', { timeout: 60_000 });

  // The student's own solution (a tuple swap), run, then checked: all three tests pass.
  await runCell(page, 2);
  await waitIdle(page);
  await expect(cell(page, 2).locator('.jp-OutputArea')).toContainText('Alan Grace');
  await runCell(page, 3);
  await waitIdle(page);
  const checked = cell(page, 3).locator('.jp-OutputArea');
  await expect(checked).toContainText('Tests: 3/3 passed', { timeout: 60_000 });
  await expect(checked).not.toContainText('failed');

  // The report says how far that pass moved variables, and it moved it clearly.
  await runCell(page, 4);
  await waitIdle(page);
  const report = cell(page, 4).locator('.jp-OutputArea');
  await expect(report).toContainText(/moved variables from \d+% to \d+%/, { timeout: 60_000 });
  const text = await report.innerText();
  const moved = text.match(/Passing exercise swap-two-values moved variables from (\d+)% to (\d+)%/);
  expect(moved, text).not.toBeNull();
  const [before, after] = [Number(moved![1]), Number(moved![2])];
  expect(after).toBeGreaterThanOrEqual(50);
  expect(after - before).toBeGreaterThanOrEqual(30);
  const counted = text.match(/You have mastered (\d+) of (\d+) topics?/);
  expect(counted, text).not.toBeNull();
  const [mastered, topics] = [Number(counted![1]), Number(counted![2])];

  // The sidebar's Progress tab (the stored record, refreshed after each reply) agrees with the
  // report: one bar per counted topic, variables at the report's figure, and the mastered count
  // is the number of bars at or above the mastered line.
  await expect(async () => {
    const bars = await progressTabBars(page);
    expect(bars.get('variables')).toBe(after);
    expect(bars.size).toBe(topics);
    expect([...bars.values()].filter(value => value >= MASTERED_PERCENT).length).toBe(mastered);
  }).toPass({ timeout: 30_000 });
  // The kernel card draws the same bars with the same numbers.
  const bars = await progressTabBars(page);
  const drawn = report.locator('.learnflow-mastery > div');
  await expect(drawn).toHaveCount(bars.size);
  for (const row of await drawn.all()) {
    const topic = (await row.locator('span').first().innerText()).trim();
    await expect(row.locator('> span').last()).toHaveText(`${bars.get(topic)}%`);
  }
  await expect(sidebar.getByRole('tabpanel', { name: 'Progress' })).toBeVisible();
  await cell(page, 4).scrollIntoViewIfNeeded();
  await shot(page, '15-first-clean-pass-moves-mastery');
});

test('Notebook 7: Explain this error answers under the cell', async ({ page }) => {
  await page.goto(`/notebooks/no-capture.ipynb?token=${TOKEN}`);
  await expect(page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').first()).toBeVisible({ timeout: 60_000 });
  // The kernel must be up before a cell can run: its status shows in Notebook 7's toolbar.
  await expect(page.locator('.jp-NotebookPanel .jp-Cell').nth(1)).toBeVisible();
  await runCell(page, 1);
  const failing = cell(page, 1);
  await expect(failing.locator('.jp-OutputArea')).toContainText('KeyError', { timeout: 60_000 });
  await failing.getByRole('button', { name: /Explain this error/ }).click();
  const card = failing.locator('.lf-inline .lf-card[data-agent="debug"]');
  await expect(card).toBeVisible({ timeout: 60_000 });
  await expect(card).toContainText('KeyError');
  await shot(page, '08-notebook7-explain-this-error');
});

test('Notebook 7: one error, one answer, and the fix inserted at once', async ({ page, request }) => {
  // The student's record (GET/PUT learnflow/api/preferences) is the one source: the lab's
  // settings editor and every kernel read it, so the test sets it there.
  const put = await request.put(`/learnflow/api/preferences?token=${TOKEN}`, {
    data: { auto_capture: true }
  });
  expect(put.ok()).toBeTruthy();
  await page.goto(`/notebooks/notebook7.ipynb?token=${TOKEN}`);
  await expect(page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').nth(1)).toBeVisible({ timeout: 60_000 });
  await runCell(page, 1);
  const failing = cell(page, 1);
  await expect(failing.locator('.jp-OutputArea')).toContainText('you probably meant numbers', { timeout: 60_000 });
  await failing.getByRole('button', { name: /Explain this error/ }).click();
  await expect(failing.locator('.lf-already')).toContainText('already answered');
  await expect(failing.locator('.lf-inline .lf-card')).toHaveCount(0);
  const fix = failing.locator('.learnflow-code').filter({ hasText: 'sum(numbers)' }).first();
  const cellsBefore = await page.locator('.jp-NotebookPanel:visible .jp-Cell').count();
  await fix.getByRole('button', { name: 'Insert as new cell' }).click();
  await expect(page.locator('.jp-NotebookPanel:visible .jp-Cell')).toHaveCount(cellsBefore + 1);
  await expect(cell(page, 2).locator('.jp-InputArea-editor')).toContainText('total = sum(numbers)');
  await shot(page, '11-notebook7-one-answer-insert-at-once');
});

async function declareFunctionsThenConditionals(page: Page): Promise<void> {
  await runCell(page, 2);
  await expect(cell(page, 2).locator('.jp-OutputArea')).toContainText(/known_topics\s+functions/, { timeout: 60_000 });
  // A second += keeps functions: with both declared, the loops exercise (it needs both) is handed out.
  await runCell(page, 3);
  const both = cell(page, 3).locator('.jp-OutputArea');
  await expect(both).toContainText(/known_topics\s+functions, conditionals/, { timeout: 60_000 });
  await expect(both).toContainText('Exercise: ', { timeout: 60_000 });
  await expect(both).not.toContainText('first');
}

test('Notebook 7: known_topics adds up, and the progress report counts the bars it draws', async ({ page, request }) => {
  const put = await request.put(`/learnflow/api/preferences?token=${TOKEN}`, { data: { auto_capture: true } });
  expect(put.ok()).toBeTruthy();
  await page.goto(`/notebooks/known-topics.ipynb?token=${TOKEN}`);
  await expect(page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').nth(6)).toBeVisible({ timeout: 60_000 });
  // An error on a dict is evidence: the report then has at least one topic with an estimate.
  await runCell(page, 1);
  await expect(cell(page, 1).locator('.jp-OutputArea')).toContainText(/Debug agent · done/, { timeout: 60_000 });
  await declareFunctionsThenConditionals(page);

  // "You have mastered N of M topics" over M bars, N of them at the mastered line.
  await runCell(page, 4);
  const report = cell(page, 4).locator('.jp-OutputArea');
  await expect(report).toContainText(/You have mastered \d+ of \d+ topics?/, { timeout: 60_000 });
  const counted = (await report.innerText()).match(/You have mastered (\d+) of (\d+) topics?/)!;
  const rows = report.locator('.learnflow-mastery > div');
  await expect(rows).toHaveCount(Number(counted[2]));
  expect(Number(counted[2])).toBeGreaterThan(0);
  const values = await Promise.all(
    (await rows.all()).map(async row => Number((await row.locator('> span').last().innerText()).replace('%', '')))
  );
  expect(values.filter(value => value >= MASTERED_PERCENT).length).toBe(Number(counted[1]));
  await shot(page, '16-notebook7-known-topics-and-progress');
});

// Last in the file: serial mode skips every test after a failing one.
test('Notebook 7: known_topics-= takes a topic back out, and the exercise gate follows', async ({ page }) => {
  await page.goto(`/notebooks/known-topics.ipynb?token=${TOKEN}`);
  await expect(page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').nth(6)).toBeVisible({ timeout: 60_000 });
  await declareFunctionsThenConditionals(page);
  await runCell(page, 5);
  const fewer = cell(page, 5).locator('.jp-OutputArea');
  await expect(fewer).toContainText(/known_topics\s+functions\s*$/m, { timeout: 60_000 });
  // Without conditionals the loops exercise is not ready again: it names what to learn first.
  await expect(fewer).toContainText("Learn 'conditionals' first", { timeout: 60_000 });
  await expect(fewer).not.toContainText("'functions'");
  await shot(page, '17-notebook7-known-topics-removed');
  await runCell(page, 6);
  await expect(cell(page, 6).locator('.jp-OutputArea')).toContainText(/known_topics\s+(\(none\)|$)/m);
});

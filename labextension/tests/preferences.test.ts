import { describe, expect, it } from 'vitest';
import { KernelComms, PREFERENCES_CHANGED, registerKernelBridge } from '../src/kernelbridge';
import {
  EditablePreferences,
  PreferencesApi,
  PreferencesSync,
  ServerPreferences,
  SettingsView
} from '../src/preferences';

const DEFAULTS: ServerPreferences = {
  skill_level: 'beginner',
  learning_style: 'example-driven',
  auto_capture: true,
  known_topics: [],
  saved: false
};

/** The API's one record, as the server keeps it (PUT changes the fields given). */
class FakeApi implements PreferencesApi {
  record: ServerPreferences = { ...DEFAULTS };
  puts: Array<Record<string, unknown>> = [];
  refuse = '';

  async preferences(): Promise<ServerPreferences> {
    return { ...this.record, known_topics: [...this.record.known_topics] };
  }

  async savePreferences(changes: Partial<ServerPreferences>): Promise<ServerPreferences> {
    this.puts.push({ ...changes });
    if (this.refuse) {
      throw new Error(this.refuse);
    }
    this.record = { ...this.record, ...changes, saved: true };
    return this.preferences();
  }
}

/** The settings editor: `write` fires `changed` as the registry does. */
class FakeSettings implements SettingsView {
  values: EditablePreferences = { autoCapture: true, skillLevel: 'beginner', learningStyle: 'example-driven' };
  writes = 0;
  onChanged: () => Promise<void> = async () => undefined;

  read(): EditablePreferences {
    return { ...this.values };
  }

  async write(prefs: EditablePreferences): Promise<void> {
    this.writes += 1;
    this.values = { ...prefs };
    await this.onChanged();
  }

  async edit(change: Partial<EditablePreferences>): Promise<void> {
    this.values = { ...this.values, ...change };
    await this.onChanged();
  }
}

function setUp() {
  const api = new FakeApi();
  const settings = new FakeSettings();
  const applied: ServerPreferences[] = [];
  const problems: string[] = [];
  const sync = new PreferencesSync(api, settings, saved => applied.push(saved), p => problems.push(p));
  settings.onChanged = () => sync.settingsChanged();
  return { api, settings, applied, problems, sync };
}

describe('preferences: the API is the one record, the settings editor a view of it', () => {
  it('shows the saved record in the settings editor without writing it back', async () => {
    const { api, settings, applied, sync } = setUp();
    api.record = { ...DEFAULTS, skill_level: 'advanced', auto_capture: false, known_topics: ['lists'], saved: true };
    await sync.start();
    expect(settings.values).toEqual({ autoCapture: false, skillLevel: 'advanced', learningStyle: 'example-driven' });
    expect(api.puts).toEqual([]); // writing the view fired `changed`, which saved nothing
    expect(applied.at(-1)?.known_topics).toEqual(['lists']);
  });

  it('saves settings made before there was a record, once', async () => {
    const { api, settings, sync } = setUp();
    settings.values = { autoCapture: false, skillLevel: 'intermediate', learningStyle: 'visual' };
    await sync.start();
    expect(api.puts).toEqual([{ auto_capture: false, skill_level: 'intermediate', learning_style: 'visual' }]);
    expect(api.record.saved).toBe(true);
  });

  it('saves a change made in the settings editor through the API and applies the record', async () => {
    const { api, settings, applied, sync } = setUp();
    await sync.start();
    await settings.edit({ skillLevel: 'advanced' });
    expect(api.puts).toEqual([{ auto_capture: true, skill_level: 'advanced', learning_style: 'example-driven' }]);
    expect(applied.at(-1)).toMatchObject({ skill_level: 'advanced', saved: true });
  });

  it('reads the record again when a kernel saved a change', async () => {
    const { api, settings, applied, sync } = setUp();
    await sync.start();
    api.record = { ...api.record, learning_style: 'visual', known_topics: ['functions'], saved: true };
    await sync.reload();
    expect(settings.values.learningStyle).toBe('visual');
    expect(applied.at(-1)?.known_topics).toEqual(['functions']);
    expect(api.puts).toEqual([]);
  });

  it('puts the settings back and says why when the API refuses a change', async () => {
    const { api, settings, problems, sync } = setUp();
    await sync.start();
    api.refuse = 'LearnFlow: skill_level: Input should be ... (HTTP 400)';
    await settings.edit({ skillLevel: 'advanced' });
    expect(problems).toEqual([api.refuse]);
    expect(settings.values.skillLevel).toBe('beginner');
  });
});

/** A kernel connection with the comm surface the bridge uses. */
function fakeKernel(id: string) {
  const sent: any[] = [];
  const comm: any = {
    onMsg: null,
    onClose: null,
    send: (data: any) => sent.push(data),
    open: () => Promise.resolve()
  };
  const kernel: any = { id, registerCommTarget: () => undefined, createComm: () => comm };
  return { kernel, comm, sent };
}

describe('the kernel comm carries preferences as data, never code', () => {
  it('pushes the saved record to every kernel and hears a kernel save', () => {
    const comms = new KernelComms();
    const first = fakeKernel('k1');
    const second = fakeKernel('k2');
    let changed = 0;
    for (const { kernel } of [first, second]) {
      registerKernelBridge(kernel, async () => undefined, { comms, preferencesChanged: () => (changed += 1) });
    }
    const saved = { ...DEFAULTS, skill_level: 'advanced' as const, saved: true };
    comms.pushPreferences(saved);
    for (const { sent } of [first, second]) {
      expect(sent).toEqual([{ command: 'preferences', preferences: saved }]);
    }
    first.comm.onMsg({ content: { data: { command: PREFERENCES_CHANGED } } });
    expect(changed).toBe(1);
    expect(first.sent).toHaveLength(1); // no answer: the kernel does not wait for one

    first.comm.onClose({});
    comms.pushPreferences(saved);
    expect(first.sent).toHaveLength(1);
    expect(second.sent).toHaveLength(2);
  });
});

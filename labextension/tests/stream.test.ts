import { describe, expect, it } from 'vitest';
import { STREAM, StreamedText, registerKernelBridge } from '../src/kernelbridge';

/** Elements showing a card's streamed text, as the widget draws them (fakes, no DOM here). */
function cards(initial: Record<string, string>) {
  const elements = new Map(Object.entries(initial).map(([card, text]) => [card, [{ textContent: text }]]));
  return { elements, find: (card: string) => elements.get(card) ?? [] };
}

describe('streamed text arrives as new text only and is appended', () => {
  it('continues what the kernel drew, in order, then forgets the card', () => {
    const { elements, find } = cards({ c1: 'Index 3 ' });
    const streamed = new StreamedText(find);
    streamed.apply({ card: 'c1', offset: 8, text: 'is past ' });
    streamed.apply({ card: 'c1', offset: 16, text: 'the end.' });
    expect(elements.get('c1')![0].textContent).toBe('Index 3 is past the end.');
    streamed.apply({ card: 'c1', end: true });
    // After the end a message for the card must continue what is shown, or it is left out.
    streamed.apply({ card: 'c1', offset: 3, text: 'late' });
    expect(elements.get('c1')![0].textContent).toBe('Index 3 is past the end.');
  });

  it('leaves out text it cannot place, and sets text, never HTML', () => {
    const { elements, find } = cards({ c2: 'ab' });
    const streamed = new StreamedText(find);
    streamed.apply({ card: 'c2', offset: 5, text: 'lost' }); // an update the frontend never had
    expect(elements.get('c2')![0].textContent).toBe('ab');
    streamed.apply({ card: 'c2', offset: 2, text: '<img src=x onerror=alert(1)>' });
    expect(elements.get('c2')![0].textContent).toBe('ab<img src=x onerror=alert(1)>');
  });

  it('the bridge says it streams, and answers nothing to a stream message', () => {
    const sent: any[] = [];
    const comm: any = { onMsg: null, onClose: null, send: (d: any) => sent.push(d), open: () => Promise.resolve() };
    const kernel: any = { id: 'k', registerCommTarget: () => undefined, createComm: () => comm };
    const { elements, find } = cards({ c3: 'x' });
    registerKernelBridge(kernel, async () => undefined, { streamed: new StreamedText(find) });
    comm.onMsg({ content: { data: { command: 'hello' } } });
    expect(sent).toEqual([{ command: 'hello', ok: true, commands: expect.any(Array), streams: true }]);
    comm.onMsg({ content: { data: { command: STREAM, card: 'c3', offset: 1, text: 'yz' } } });
    expect(elements.get('c3')![0].textContent).toBe('xyz');
    expect(sent).toHaveLength(1);
  });
});

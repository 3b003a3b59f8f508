import { afterEach, describe, expect, it, vi } from 'vitest';
import { onFrame, watchFrames } from './frameLoop.ts';

describe('the frame loop', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('tells a watcher as each frame’s callbacks start and once they are done, and once more when it stops watching', () => {
    const frames: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb));
    const seen: string[] = [];
    const stop = onFrame('panel', () => seen.push('callback'));
    const unwatch = watchFrames(
      () => seen.push('begin'),
      () => seen.push('end'),
    );
    frames.shift()?.(0);
    frames.shift()?.(16);
    unwatch();
    frames.shift()?.(33);
    stop();
    expect(seen).toEqual(['begin', 'callback', 'end', 'begin', 'callback', 'end', 'end', 'callback']);
  });
});

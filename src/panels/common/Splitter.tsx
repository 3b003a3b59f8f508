/**
 * The bar between the stage and the tools pane: drag it (or focus it and press the arrow
 * keys) to give the tools more room or the stage more; a double click (or Home) goes back to
 * the default. It sets the pane's share of the height the two have, `--tools-share`, on the
 * element it splits (a CSS percentage the layout uses, only where the page is the viewport).
 */
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';

const DEFAULT_SHARE = 25;
const MIN_SHARE = 15;
const MAX_SHARE = 75;
const STEP = 5;

const clamp = (share: number): number => Math.round(Math.min(MAX_SHARE, Math.max(MIN_SHARE, share)));

export function Splitter({ above, below }: { above: string; below: string }) {
  const [share, setShare] = useState(DEFAULT_SHARE);
  const bar = useRef<HTMLDivElement>(null);
  const drag = useRef<{ y: number; share: number; total: number } | null>(null);

  useEffect(() => {
    bar.current?.parentElement?.style.setProperty('--tools-share', String(share));
  }, [share]);

  /** The heights of the stage and the pane together: what the share is a share of. */
  const total = (): number => {
    const parent = bar.current?.parentElement;
    const a = parent?.querySelector<HTMLElement>(above);
    const b = parent?.querySelector<HTMLElement>(below);
    return (a?.getBoundingClientRect().height ?? 0) + (b?.getBoundingClientRect().height ?? 0);
  };
  const down = (e: PointerEvent<HTMLDivElement>): void => {
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { y: e.clientY, share, total: Math.max(1, total()) };
  };
  const move = (e: PointerEvent<HTMLDivElement>): void => {
    const d = drag.current;
    if (d !== null) setShare(clamp(d.share - ((e.clientY - d.y) / d.total) * 100));
  };
  const up = (): void => {
    drag.current = null;
  };
  const key = (e: KeyboardEvent<HTMLDivElement>): void => {
    const next = { ArrowUp: share + STEP, ArrowDown: share - STEP, Home: DEFAULT_SHARE, PageUp: MAX_SHARE, PageDown: MIN_SHARE }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    setShare(clamp(next));
  };

  return (
    <div
      ref={bar}
      className="splitter"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Height of the tools pane"
      aria-valuemin={MIN_SHARE}
      aria-valuemax={MAX_SHARE}
      aria-valuenow={share}
      aria-valuetext={`the tools take ${share}% of the height`}
      tabIndex={0}
      data-testid="workspace.splitter"
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
      onDoubleClick={() => setShare(DEFAULT_SHARE)}
      onKeyDown={key}
    />
  );
}

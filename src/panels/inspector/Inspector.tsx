/**
 * One sub-buffer up close: its records (parsed from the shared memory), the client's header,
 * the padding, and what read(2) or an mmap reader would get from it now. Chosen by clicking the
 * channel's rings, or with the two selects. Refreshed a few times a second.
 */
import { useEffect, useState } from 'react';
import { inspectSubbuf, type SubbufInspection } from '../../engine/index.ts';
import { formatCount } from '../../lib/format.ts';
import { SLOWEST_REFRESH_MS } from '../../lib/frameLoop.ts';
import { NumberOptions } from '../common/NumberOptions.tsx';
import { useAppStore, useAppStoreApi, useLiveRun } from '../../store/index.ts';
import { STATE_NAMES } from '../channel/states.ts';

const SHOWN = 200;
const REFRESH_MS = (SLOWEST_REFRESH_MS * 5) / 6;

export function Inspector() {
  const store = useAppStoreApi();
  const generation = useAppStore((s) => s.liveGeneration);
  const ops = useAppStore((s) => s.liveOps);
  const selection = useAppStore((s) => s.selection);
  const accounting = useAppStore((s) => s.liveAccounting);
  const [view, setView] = useState<SubbufInspection | null>(null);
  const run = useLiveRun();

  useEffect(() => {
    const look = (): void => {
      const r = store.getState().liveRun();
      const sel = store.getState().selection;
      if (r === null || sel === null || sel.buffer >= r.chan.nBufs) return setView(null);
      setView(inspectSubbuf(r.chan.bufAt(sel.buffer), sel.subbuf, r.config.channel.headerReserve, SHOWN));
    };
    look();
    const timer = setInterval(look, REFRESH_MS);
    return () => clearInterval(timer);
  }, [store, selection, generation, ops, accounting]);

  if (run === null) return null;
  const bufs = run.chan.bufs();
  const n = run.config.channel.nSubbufs;
  const sel = selection ?? { buffer: 0, subbuf: 0 };
  return (
    <section className="card" aria-labelledby="inspector-heading">
      <h2 id="inspector-heading">Sub-buffer inspector</h2>
      <div className="controls" role="group" aria-label="Sub-buffer to inspect">
        <label>
          Buffer{' '}
          <select
            data-testid="inspector.buffer"
            value={sel.buffer}
            onChange={(e) => store.getState().select({ buffer: Number(e.target.value), subbuf: sel.subbuf })}
          >
            {bufs.map((b) => (
              <option key={b.index} value={b.index}>
                CPU {b.cpu}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sub-buffer{' '}
          <select
            data-testid="inspector.subbuf"
            value={sel.subbuf}
            onChange={(e) => store.getState().select({ buffer: sel.buffer, subbuf: Number(e.target.value) })}
          >
            <NumberOptions count={n} />
          </select>
        </label>
      </div>
      {view === null ? (
        <p className="meta">Click a sub-buffer in the channel above, or choose one here.</p>
      ) : (
        <Details view={view} />
      )}
    </section>
  );
}

function Details({ view }: { view: SubbufInspection }) {
  const sizes = view.records.reduce((s, r) => s + r.length, 0);
  return (
    <>
      <p data-testid="inspector.summary">
        Sub-buffer {view.subbuf}: {STATE_NAMES[view.state]}; {formatCount(view.records.length)}
        {view.records.length === SHOWN ? '+' : ''} record{view.records.length === 1 ? '' : 's'} ({formatCount(sizes)} bytes)
        {view.header > 0 ? `, ${view.header} bytes of client header` : ''}
        {view.padding > 0 ? `, ${formatCount(view.padding)} bytes of padding` : ''}
        {view.unreadable > 0 ? `, ${formatCount(view.unreadable)} bytes that are no record` : ''}.
      </p>
      <p className="meta" data-testid="inspector.readers">
        {view.readBytes > 0
          ? `read(2) would return ${formatCount(view.readBytes)} bytes of it now, from offset ${view.readFrom}`
          : 'read(2) would return nothing of it now'}
        ; {view.mmapReady ? 'an mmap reader would process it (produced, not consumed)' : 'an mmap reader would not process it'}.
      </p>
      {view.records.length > 0 && (
        <div className="table-wrap records-wrap" tabIndex={0} role="region" aria-label="Records in the sub-buffer">
          <table className="counters" data-testid="inspector.records">
            <thead>
              <tr>
                <th scope="col">offset</th>
                <th scope="col">length</th>
                <th scope="col">CPU</th>
                <th scope="col">sequence</th>
                <th scope="col">timestamp µs</th>
                <th scope="col">check</th>
              </tr>
            </thead>
            <tbody>
              {view.records.map((r) => (
                <tr key={r.offset}>
                  <td>{r.offset}</td>
                  <td>{r.length}</td>
                  <td>{r.cpu}</td>
                  <td>{r.seq}</td>
                  <td>{r.ts}</td>
                  <td className={r.intact ? 'ok' : 'bad'}>{r.intact ? 'intact' : 'corrupt'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

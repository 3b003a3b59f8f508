/**
 * The relay files as user space sees them: one per buffer, named as the kernel names it
 * (base name + CPU, one for a global buffer), mode 0400, under a debugfs-like folder; the
 * system calls on them as actions, each with its result or the kernel's error; and the
 * lifetime: the reference counts of the channel and each buffer, and when memory is freed.
 * The counts are written from the channel's memory in the frame loop; React renders the
 * structure (the files, the fds and mappings the page has made) and the call results.
 */
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { RELAY_FILE_MODE, type Rchan } from '../../engine/index.ts';
import { onFrame } from '../../lib/frameLoop.ts';
import { countRender } from '../../lib/renderCount.ts';
import { currentFiles, useAppStore, useAppStoreApi, type FileAction, useLiveRun } from '../../store/index.ts';

const MODE_TEXT = `0${RELAY_FILE_MODE.toString(8)} (r--------)`;

/** A buffer's state as the lifetime column says it. */
function bufState(chan: Rchan, index: number): string {
  const buf = chan.bufAt(index);
  if (buf.freed) return 'freed: pages released';
  if (!chan.onList) return 'finalized, file removed; open files keep it';
  return 'live';
}

function chanState(chan: Rchan): string {
  if (chan.freed) return 'freed';
  if (!chan.onList) return 'closed (relay_close); buffers still referenced';
  return 'open';
}

export function FilesPanel() {
  countRender('FilesPanel');
  const store = useAppStoreApi();
  const generation = useAppStore((s) => s.liveGeneration);
  const ops = useAppStore((s) => s.liveOps);
  const status = useAppStore((s) => s.liveStatus);
  const files = useAppStore(currentFiles);
  const run = useLiveRun();
  const table = useRef<HTMLTableSectionElement>(null);
  const chanCells = useRef<HTMLParagraphElement>(null);

  // Reference counts and states, from the channel's memory; the moment a buffer or the
  // channel is seen freed is kept (in the run's virtual time).
  useEffect(() => {
    const freedAt = new Map<string, number>();
    const shown = new Map<HTMLElement, string>();
    const write = (el: HTMLElement | null, text: string): void => {
      if (el === null || shown.get(el) === text) return;
      shown.set(el, text);
      el.textContent = text;
    };
    const when = (key: string, freed: boolean, t: number): string => {
      if (!freed) return '';
      if (!freedAt.has(key)) freedAt.set(key, t);
      return ` at t = ${((freedAt.get(key) ?? t) * 1000).toFixed(3)} ms`;
    };
    // The rows change only with a new run or a channel operation (hotplug), which re-run this.
    const rows = Array.from(table.current?.rows ?? [], (row) => ({
      index: Number(row.dataset.buffer),
      kref: row.querySelector<HTMLElement>('[data-col=kref]'),
      state: row.querySelector<HTMLElement>('[data-col=state]'),
    }));
    return onFrame('files', () => {
      const r = store.getState().liveRun();
      if (r === null) return;
      const chan = r.chan;
      const t = r.virtualTime();
      for (const { index, kref, state } of rows) {
        if (!(index < chan.nBufs)) continue;
        const buf = chan.bufAt(index);
        write(kref, String(buf.kref));
        write(state, bufState(chan, index) + when(`b${index}`, buf.freed, t));
      }
      const p = chanCells.current;
      if (p !== null) {
        write(p.querySelector<HTMLElement>('[data-col=kref]'), String(chan.kref));
        write(p.querySelector<HTMLElement>('[data-col=state]'), chanState(chan) + when('chan', chan.freed, t));
      }
    });
  }, [store, generation, ops]);

  if (run === null || status === 'failed') return null;
  const chan = run.chan;
  const bufs = chan.bufs();
  const readerHolds = run.config.reader.enabled;
  return (
    <section className="card" aria-labelledby="files-heading">
      <h2 id="files-heading">Relay files</h2>
      <p className="explanation" data-testid="files.how">
        The page is a user-space process with the run&apos;s relay files. Each call below runs on the page&apos;s view of the
        channel:{' '}
        {run.kind === 'deterministic'
          ? 'between steps of this deterministic run, and becomes part of its timeline at that event: going back in time undoes the calls made after, going forward replays them, and the address carries them'
          : 'with the run\u2019s threads paused for the call, then resumed; a new run starts with no files open'}
        . Reading here takes data from the buffer&apos;s one consumer state, so the run&apos;s reader no longer finds it and the
        accounting counts it as missing; set the reader to none to watch only your own calls.
      </p>
      <p className="meta" data-testid="files.folder">
        Folder <code>{chan.parent}</code>: {bufs.length === 1 && chan.isGlobal ? 'one file for the global buffer' : 'one file per CPU\u2019s buffer'}, each
        mode {MODE_TEXT}.
      </p>
      <p className="meta" data-testid="files.chan" ref={chanCells}>
        Channel kref <strong data-col="kref" data-testid="files.chan.kref" /> (the client&apos;s reference until relay_close, and one
        per buffer not yet freed) · <span data-col="state" data-testid="files.chan.state" />
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Relay files and their reference counts">
        <table className="counters fit" data-testid="files.table">
          <caption className="visually-hidden">Each buffer&apos;s file, its reference count and state</caption>
          <thead>
            <tr>
              <th scope="col">file</th>
              <th scope="col">CPU</th>
              <th scope="col">mode</th>
              <th scope="col" title="one for the channel until relay_close, one per open file">
                kref
              </th>
              <th scope="col">state</th>
            </tr>
          </thead>
          <tbody ref={table}>
            {bufs.map((b) => (
              <tr key={b.index} data-buffer={b.index} data-testid={`files.cpu.${b.cpu}.row`}>
                <th scope="row">
                  <code>{b.filePath}</code>
                </th>
                <td>{chan.isGlobal ? 'all' : b.cpu}</td>
                <td>{MODE_TEXT}</td>
                <td data-col="kref" data-testid={`files.cpu.${b.cpu}.kref`} />
                <td data-col="state" data-testid={`files.cpu.${b.cpu}.state`} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="meta">
        {readerHolds
          ? 'The run\u2019s reader holds one open file (one reference) on each buffer it reads, and never closes it, so its buffers outlive relay_close.'
          : 'The run has no reader: a buffer no file holds is freed by relay_close itself.'}
      </p>
      <FileCalls key={generation} cpus={bufs.map((b) => b.cpu)} files={files} allocSize={chan.allocSize} subbufSize={chan.subbufSize} />
    </section>
  );
}

interface CallsProps {
  cpus: number[];
  files: ReturnType<typeof currentFiles>;
  allocSize: number;
  subbufSize: number;
}

/** Parses a non-negative integer field; null when it is not one. */
function count(text: string): number | null {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(n) && n >= 0 ? n : null;
}

/** The calls on one chosen file: open, then read, poll, lseek, sendfile, mmap and close on an fd, touch and munmap on a mapping. */
function FileCalls({ cpus, files, allocSize, subbufSize }: CallsProps) {
  const store = useAppStoreApi();
  const [cpu, setCpu] = useState(cpus[0] ?? 0);
  const [fdChoice, setFd] = useState<number | null>(null);
  const [mapChoice, setMap] = useState<number | null>(null);
  const [values, setValues] = useState({ count: String(subbufSize), length: String(allocSize), offset: '0', touch: String(subbufSize) });
  const [error, setError] = useState<string | null>(null);
  const fds = files.fds.filter((h) => h.cpu === cpu);
  const maps = files.maps.filter((m) => m.cpu === cpu);
  const fd = fdChoice !== null && fds.some((h) => h.fd === fdChoice) ? fdChoice : (fds.findLast((h) => h.open)?.fd ?? fds.at(-1)?.fd ?? null);
  const map = mapChoice !== null && maps.some((m) => m.id === mapChoice) ? mapChoice : (maps.findLast((m) => m.mapped)?.id ?? maps.at(-1)?.id ?? null);
  const result = files.results.findLast((r) => r.cpu === cpu);
  const id = (name: string): string => `files.cpu.${cpu}.${name}`;

  const act = (action: FileAction | null, field?: string): void => {
    if (action === null) {
      setError(`${field ?? 'the value'} must be a whole number of bytes, 0 or more`);
      return;
    }
    setError(null);
    void store
      .getState()
      .fileAct(action, cpu)
      .then((r) => {
        if (r?.fd !== undefined) setFd(r.fd);
        if (r?.map !== undefined) setMap(r.map);
      });
  };
  const withFd = (make: (fd: number) => FileAction | null, field?: string) => () => act(fd === null ? null : make(fd), fd === null ? 'an fd (open the file first)' : field);
  const withMap = (make: (map: number) => FileAction | null, field?: string) => () =>
    act(map === null ? null : make(map), map === null ? 'a mapping (mmap the file first)' : field);
  const num = (key: keyof typeof values) => (e: ChangeEvent<HTMLInputElement>) => setValues({ ...values, [key]: e.target.value });

  const c = count(values.count);
  const len = count(values.length);
  const off = count(values.offset);
  const touch = count(values.touch);

  return (
    <div className="file-calls" role="group" aria-label="System calls on a relay file">
      <div className="controls">
        <label>
          File{' '}
          <select data-testid="files.file" value={cpu} onChange={(e) => setCpu(Number(e.target.value))}>
            {cpus.map((k) => (
              <option key={k} value={k}>
                CPU {k}
              </option>
            ))}
          </select>
        </label>
        <button type="button" data-testid={id('open')} onClick={() => act({ op: 'open', cpu })}>
          open
        </button>
        <HandleSelect
          label="fd"
          testId={id('fd')}
          value={fd}
          onChange={setFd}
          options={fds.map((h) => ({ value: h.fd, text: `${h.fd}${h.open ? '' : ' (closed)'}` }))}
        />
      </div>
      <div className="controls">
        <NumberField label="count" testId={id('count')} size={8} value={values.count} onChange={num('count')} />
        <button type="button" data-testid={id('read')} onClick={withFd((f) => (c === null ? null : { op: 'read', fd: f, count: c }), 'count')}>
          read
        </button>
        <button type="button" data-testid={id('sendfile')} onClick={withFd((f) => (c === null ? null : { op: 'sendfile', fd: f, count: c }), 'count')}>
          sendfile
        </button>
        <button type="button" data-testid={id('poll')} onClick={withFd((f) => ({ op: 'poll', fd: f }))}>
          poll
        </button>
        <button type="button" data-testid={id('lseek')} onClick={withFd((f) => ({ op: 'lseek', fd: f, offset: 0 }))}>
          lseek
        </button>
        <button type="button" data-testid={id('close')} onClick={withFd((f) => ({ op: 'close', fd: f }))}>
          close
        </button>
      </div>
      <div className="controls">
        <NumberField label="length" testId={id('length')} size={10} value={values.length} onChange={num('length')} />
        <button type="button" data-testid={id('mmap')} onClick={withFd((f) => (len === null ? null : { op: 'mmap', fd: f, length: len }), 'length')}>
          mmap
        </button>
        <span className="meta">alloc_size is {allocSize}: the only length relay accepts</span>
      </div>
      <div className="controls">
        <HandleSelect
          label="mapping"
          testId={id('map')}
          value={map}
          onChange={setMap}
          options={maps.map((m) => ({ value: m.id, text: `${m.id}${m.mapped ? '' : ' (unmapped)'}` }))}
        />
        <NumberField label="offset" testId={id('offset')} size={8} value={values.offset} onChange={num('offset')} />
        <NumberField label="bytes" testId={id('touch')} size={8} value={values.touch} onChange={num('touch')} />
        <button
          type="button"
          data-testid={id('mapread')}
          onClick={withMap((m) => (off === null || touch === null ? null : { op: 'mapread', map: m, offset: off, length: touch }), 'offset and bytes')}
        >
          read mapping
        </button>
        <button type="button" data-testid={id('munmap')} onClick={withMap((m) => ({ op: 'munmap', map: m }))}>
          munmap
        </button>
      </div>
      {error !== null && (
        <p className="field-error" role="alert" data-testid={id('error')}>
          {error}
        </p>
      )}
      <p className="file-result" role="status" data-testid={id('result')}>
        {result === undefined ? (
          'No call on this file yet.'
        ) : (
          <>
            <code data-testid={id('result.call')}>{result.call}</code> = <strong data-testid={id('result.ret')}>{result.ret}</strong>
          </>
        )}
      </p>
      <CallHistory results={files.results} />
    </div>
  );
}

/** A byte count or offset typed in. */
function NumberField(props: { label: string; testId: string; size: number; value: string; onChange: (e: ChangeEvent<HTMLInputElement>) => void }) {
  return (
    <label>
      {props.label} <input data-testid={props.testId} inputMode="numeric" size={props.size} value={props.value} onChange={props.onChange} />
    </label>
  );
}

/** A choice of fd or mapping, closed ones included: using one of those shows the kernel's error. */
function HandleSelect(props: { label: string; testId: string; value: number | null; onChange: (v: number) => void; options: { value: number; text: string }[] }) {
  const { label, testId, value, onChange, options } = props;
  return (
    <label>
      {label}{' '}
      <select data-testid={testId} value={value ?? ''} onChange={(e) => onChange(Number(e.target.value))} disabled={options.length === 0}>
        {options.length === 0 && <option value="">none</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Every call of this run so far, newest first. */
function CallHistory({ results }: { results: CallsProps['files']['results'] }) {
  if (results.length === 0) return null;
  return (
    <details className="more">
      <summary>All calls ({results.length})</summary>
      <ol className="file-history" reversed data-testid="files.history">
        {[...results].reverse().map((r, i) => (
          <li key={results.length - i}>
            <code>{r.call}</code> = {r.ret}
          </li>
        ))}
      </ol>
    </details>
  );
}

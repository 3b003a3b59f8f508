/**
 * Importing a workload recorded elsewhere: a CSV of timestamp, cpu and size, or a blktrace
 * capture (a device's `<dev>.blktrace.<cpu>` files, chosen together), replayed through the
 * current configuration in a deterministic run. A file that does not parse is refused with its
 * line and field (a capture: its file and byte) and why, and the run goes on. An address that names a workload by its hash
 * asks for the file here.
 */
import { useState, type ChangeEvent } from 'react';
import { formatCount } from '../../lib/format.ts';
import { inputTooLarge } from '../../lib/inputLimits.ts';
import { useAppStore, useAppStoreApi } from '../../store/index.ts';
import { forgetWorkload, importCapture, importWorkload } from '../../store/workloadImport.ts';

const CAPTURE_FILE = /\.blktrace\.\d+$/;

export function WorkloadImport() {
  const workload = useAppStore((s) => s.liveWorkload);
  const pending = useAppStore((s) => s.liveWorkloadPending);
  const store = useAppStoreApi();
  const [error, setError] = useState<string | null>(null);

  const choose = async (e: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const input = e.currentTarget;
    const files = Array.from(input.files ?? []);
    if (files.length === 0) return;
    const capture = files.some((f) => CAPTURE_FILE.test(f.name));
    // Refused before they are read: a wrong file (a disk image) must not fill the tab's memory.
    const refused = inputTooLarge(
      files.length === 1 ? files[0].name : `${files.length} files`,
      files.reduce((sum, f) => sum + f.size, 0),
      capture ? 'capture' : 'csv',
    );
    if (refused !== null) setError(refused);
    else if (capture) {
      const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      setError(importCapture(store, read));
    } else if (files.length > 1) setError(`choose one CSV file, or the <dev>.blktrace.<cpu> files of one capture (${files.length} files chosen)`);
    else setError(importWorkload(store, await files[0].text(), files[0].name));
    // The same file may be chosen again after an edit.
    input.value = '';
  };

  return (
    <section className="card" aria-labelledby="workload-heading">
      <h2 id="workload-heading">Imported workload</h2>
      <p className="explanation">
        Replay records recorded elsewhere: CSV lines of <code>timestamp_us,cpu,size</code> (a header may name{' '}
        <code>timestamp_s</code> instead, in any column order). The run becomes deterministic and writes them through the
        current channel in virtual time, the first record at 0. Or choose the files of a blktrace capture together (
        <code>sda.blktrace.0</code>, <code>sda.blktrace.1</code>…): their records, either byte order, are written as they are, each
        CPU's in sequence order at their own times, and the Export panel gives back what blktrace's readers would have written.
      </p>
      {pending !== null && (
        <p className="banner" role="status" data-testid="workload.wanted">
          This address replays an imported workload whose hash is <code>{pending.workload}</code>. Choose its file to run it.
        </p>
      )}
      <div className="field">
        <label htmlFor="workload-file">Workload file (CSV) or blktrace capture files</label>
        <input
          id="workload-file"
          type="file"
          multiple
          data-testid="workload.file"
          aria-describedby={error !== null ? 'workload-error' : undefined}
          onChange={(e) => void choose(e)}
        />
      </div>
      {error !== null && (
        <p className="error" id="workload-error" role="alert" data-testid="workload.error">
          Not imported: {error}. The current run goes on.
        </p>
      )}
      {workload !== null && (
        <div className="controls">
          <span data-testid="workload.status" data-hash={workload.hash}>
            Replaying <code>{workload.name}</code>: {formatCount(workload.timesNs.length)} records over {+workload.duration.toPrecision(6)} s,
            hash <code>{workload.hash}</code>.
          </span>
          <button type="button" data-testid="workload.forget" onClick={() => forgetWorkload(store)}>
            Back to the generated workload
          </button>
        </div>
      )}
    </section>
  );
}

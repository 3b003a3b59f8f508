/**
 * The kernel versions relayscope models: for the chosen one, every behaviour that differs
 * between them with the line on why the kernel changed and how sure that is, and a short
 * history from relayfs to kernel/relay.c's later changes, each entry that names a version
 * switch linked to it. Everything shown comes from the engine's tables (versions.ts).
 */
import { useState } from 'react';
import { KERNEL_VERSIONS, isKernelVersion, type KernelVersion } from '../../engine/index.ts';
import { useAppStore, useAppStoreApi } from '../../store/index.ts';
import { KERNEL_HISTORY, differenceRows, historySwitches, versionInfo } from './versionRows.ts';

export function VersionsPanel() {
  const store = useAppStoreApi();
  const running = useAppStore((s) => s.liveConfig.channel.kernel);
  const status = useAppStore((s) => s.liveStatus);
  const [chosen, setChosen] = useState<KernelVersion | null>(null);
  // Follows the run's kernel until the reader picks another here.
  const v = chosen ?? running;
  const info = versionInfo(v);
  const rows = differenceRows(v);
  const differs = rows.filter((r) => r.differs).length;

  const startOn = (): void => {
    const s = store.getState();
    s.startLive({ ...s.liveConfig, channel: { ...s.liveConfig.channel, kernel: v } });
  };
  const show = (k: KernelVersion): void => setChosen(k);

  return (
    <section className="card" aria-labelledby="versions-heading">
      <h2 id="versions-heading">Kernel versions</h2>
      <div className="controls" role="group" aria-label="Kernel version to describe">
        <label htmlFor="versions-select">Kernel</label>
        <select
          id="versions-select"
          data-testid="versions.select"
          value={v}
          onChange={(e) => isKernelVersion(e.target.value) && setChosen(e.target.value)}
        >
          {KERNEL_VERSIONS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <button type="button" data-testid="versions.apply" disabled={v === running && status !== 'idle'} onClick={startOn}>
          {v === running && status !== 'idle' ? `The run follows ${v}` : `Start a run on ${v}`}
        </button>
      </div>
      <p data-testid="versions.summary">
        <strong>{info.releases}</strong>: {info.summary}
      </p>
      <p className="meta" data-testid="versions.verified">
        {info.verified
          ? 'The reference kernel: its relay logic was run against relayscope\u2019s on random scenarios (\u00a716).'
          : `Not verified by running that kernel: it differs from v6.17 in ${differs} of the ${rows.length} behaviours below, each read in its source or implemented from an outline as the semantics document states it.`}
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Behaviours that differ between kernel versions">
        <table className="counters versions" data-testid="versions.differences">
          <caption className="visually-hidden">Each modelled difference, whether {v} has it, why it changed and how it is known</caption>
          <thead>
            <tr>
              <th scope="col">behaviour</th>
              <th scope="col">in {v}</th>
              <th scope="col">what it does</th>
              <th scope="col">why it changed</th>
              <th scope="col">changed in</th>
              <th scope="col">how it is known</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ difference: d, has, differs: off, howKnown }) => (
              <tr key={d.id} id={`kernel-difference-${d.id}`} data-testid={`versions.difference.${d.id}`} className={off ? 'differs' : undefined}>
                <th scope="row">
                  <code>{d.id}</code>
                </th>
                <td data-testid={`versions.difference.${d.id}.has`}>
                  {has ? 'yes' : 'no'}
                  {off ? ' (unlike v6.17)' : ''}
                </td>
                <td>
                  {d.behaviour}
                  {d.note !== undefined && <span className="meta"> {d.note}</span>}
                </td>
                <td data-testid={`versions.difference.${d.id}.why`}>{d.why}</td>
                <td>{d.changedIn}</td>
                <td data-testid={`versions.difference.${d.id}.known`}>
                  {howKnown} (§{d.sections.join(', §')})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>History</h3>
      <ol className="history" data-testid="versions.history">
        {KERNEL_HISTORY.map((e, i) => {
          const switches = historySwitches(e);
          return (
            <li key={e.release} data-testid={`versions.history.${i}`}>
              <strong>{e.release}</strong>
              {e.when !== null && <span className="meta"> ({e.when})</span>}: {e.change}{' '}
              {switches !== null && (
                <>
                  <button type="button" data-testid={`versions.history.${i}.before`} onClick={() => show(switches.before)}>
                    Show {switches.before} (before)
                  </button>{' '}
                  <button type="button" data-testid={`versions.history.${i}.after`} onClick={() => show(switches.after)}>
                    Show {switches.after} (after)
                  </button>
                </>
              )}
              {switches === null && e.differences.length > 0 && (
                <span className="meta">
                  {' '}
                  Behaviours:{' '}
                  {e.differences.map((id, k) => (
                    <span key={id}>
                      {k > 0 && ', '}
                      <a href={`#kernel-difference-${id}`}>{id}</a>
                    </span>
                  ))}
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
